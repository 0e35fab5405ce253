using Serverless.Cli.Rendering;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Durable.Embedded;

namespace Serverless.Cli.Commands;

/// <summary>
/// Watches one instance while the engine runs in this process, printing each change of its custom
/// status, until it finishes or nothing can happen without an event or a timer further away than allowed.
/// </summary>
internal sealed class InstanceFollower(EmbeddedEngine engine, string instanceId, TimeSpan maxTimerWait)
{
    /// <summary>When the follower stopped because the instance waits: what for (an event name or a timer).</summary>
    public string? WaitingFor { get; private set; }

    public async Task<OrchestrationMetadata> RunAsync(CancellationToken cancellationToken)
    {
        string? lastStatus = null;
        while (true)
        {
            var metadata = await engine.Client.GetInstanceAsync(instanceId, true, cancellationToken)
                ?? throw new InstanceNotFoundException(instanceId);
            if (metadata.SerializedCustomStatus != lastStatus && metadata.SerializedCustomStatus is not null)
            {
                lastStatus = metadata.SerializedCustomStatus;
                InstanceRenderer.WriteProgress(metadata);
            }
            if (metadata.RuntimeStatus.IsTerminal()) return metadata;

            var pending = engine.GetPendingWork();
            if (pending.IsIdle)
            {
                var timerSoon = pending.NextTimerDue is { } due && due - DateTime.UtcNow <= maxTimerWait;
                if (!timerSoon)
                {
                    WaitingFor = InstanceRenderer.WaitingFor(metadata) ?? (pending.NextTimerDue is { } later ? $"a timer due {later:u}" : "an event");
                    return metadata;
                }
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }
}
