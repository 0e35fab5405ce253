using Microsoft.DurableTask;
using CoreFailureDetails = DurableTask.Core.FailureDetails;
using CoreTaskFailedException = DurableTask.Core.Exceptions.TaskFailedException;

namespace Serverless.Durable;

public static class RetryPolicyExtensions
{
    /// <summary>
    /// Whether the policy's failure filter (<see cref="RetryPolicy.HandleFailure"/>, which can only be set) retries
    /// <paramref name="failure"/>. It asks <see cref="RetryPolicy.Handle"/> with Durable Task Core's exception, the
    /// way the real runtime calls it, so engines and tests read the filter exactly as Durable Task does.
    /// </summary>
    public static bool Handles(this RetryPolicy policy, TaskFailureDetails failure)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(failure);
        if (policy.Handle is not { } handle) return true;
        return handle(new CoreTaskFailedException(failure.ErrorMessage) { FailureDetails = ToCore(failure) });
    }

    private static CoreFailureDetails ToCore(TaskFailureDetails details) =>
        new(details.ErrorType, details.ErrorMessage, details.StackTrace, details.InnerFailure is null ? null : ToCore(details.InnerFailure), false);
}
