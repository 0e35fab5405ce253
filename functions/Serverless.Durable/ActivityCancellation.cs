using Microsoft.DurableTask;

namespace Serverless.Durable;

/// <summary>An activity context whose engine can tell the activity to stop (the host is shutting down).</summary>
public interface ICancellableActivityContext
{
    CancellationToken CancellationToken { get; }
}

public static class ActivityCancellation
{
    extension(TaskActivityContext context)
    {
        /// <summary>
        /// Signalled when the engine running the activity stops; never signalled on engines that do not say
        /// (an activity that is cut off is delivered again, so stopping early only saves time).
        /// </summary>
        public CancellationToken CancellationToken =>
            context is ICancellableActivityContext cancellable ? cancellable.CancellationToken : CancellationToken.None;
    }
}
