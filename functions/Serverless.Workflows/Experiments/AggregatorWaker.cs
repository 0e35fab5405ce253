using System.Collections.Concurrent;
using Serverless.Durable;

namespace Serverless.Workflows.Experiments;

/// <summary>
/// Wakes a shard's singleton aggregator after its pending list gained a part: raises <c>wake</c> on the instance with the
/// shard's fixed id, starting it when it does not exist (or restarting it when it ended). Wake-ups are coalesced per shard:
/// while a raise is in flight, later callers wait for the next raise, which starts after theirs was written; so every
/// acknowledged part is followed by a wake-up and the engine sees one raise per shard at a time instead of one per batch.
/// </summary>
public sealed class AggregatorWaker(ExperimentsSettings settings)
{
    private readonly ConcurrentDictionary<(string Experiment, int Shard), ShardWaker> _shards = new();

    /// <summary>Completes once a wake-up raised after this call has been delivered.</summary>
    /// <param name="client">The client at hand (per request on Azure Functions); a raise already in flight may use another caller's.</param>
    public Task WakeAsync(IOrchestrationClient client, string experimentId, int shard, CancellationToken cancellationToken = default) =>
        _shards.GetOrAdd((experimentId, shard), key => new ShardWaker(new AggregatorInput(key.Experiment, key.Shard, settings.IdlePollInterval)))
            .WakeAsync(client).WaitAsync(cancellationToken);

    private sealed class ShardWaker(AggregatorInput input)
    {
        private readonly object _gate = new();
        private bool _running;
        private TaskCompletionSource? _next;

        public Task WakeAsync(IOrchestrationClient client)
        {
            lock (_gate)
            {
                if (_running)
                {
                    // A raise is in flight and may have started before the caller's part was written: join the next one.
                    _next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    return _next.Task;
                }
                _running = true;
                var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _ = Task.Run(() => RaiseLoopAsync(client, first));
                return first.Task;
            }
        }

        private async Task RaiseLoopAsync(IOrchestrationClient client, TaskCompletionSource current)
        {
            while (true)
            {
                try
                {
                    await RaiseAsync(client).ConfigureAwait(false);
                    current.TrySetResult();
                }
                catch (Exception ex)
                {
                    current.TrySetException(ex);
                }
                lock (_gate)
                {
                    if (_next is null)
                    {
                        _running = false;
                        return;
                    }
                    current = _next;
                    _next = null;
                }
            }
        }

        private async Task RaiseAsync(IOrchestrationClient client)
        {
            var instanceId = ExperimentKeys.AggregatorInstanceId(input.ExperimentId, input.Shard);
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await client.RaiseEventAsync(instanceId, ExperimentAggregationOrchestrator.WakeEvent).ConfigureAwait(false);
                    return;
                }
                catch (InstanceNotFoundException) when (attempt < 3)
                {
                    try
                    {
                        await client.ScheduleNewOrchestrationInstanceAsync(ExperimentAggregationOrchestrator.Name,
                            input, new StartOrchestrationOptions(instanceId)).ConfigureAwait(false);
                        // A new instance drains at once: no event needed.
                        return;
                    }
                    catch (InstanceAlreadyExistsException)
                    {
                        // Started by someone else meanwhile: raise on it.
                    }
                }
                catch (InstanceStateException) when (attempt < 3)
                {
                    // The aggregator ended (failed or terminated): start it afresh; its state lives in the blob store.
                    await client.PurgeInstanceAsync(instanceId).ConfigureAwait(false);
                    try
                    {
                        await client.ScheduleNewOrchestrationInstanceAsync(ExperimentAggregationOrchestrator.Name,
                            input, new StartOrchestrationOptions(instanceId)).ConfigureAwait(false);
                        return;
                    }
                    catch (InstanceAlreadyExistsException)
                    {
                    }
                }
            }
        }
    }
}
