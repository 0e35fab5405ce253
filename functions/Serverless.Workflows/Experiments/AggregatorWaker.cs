using System.Collections.Concurrent;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
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
    public Task WakeAsync(DurableTaskClient client, string experimentId, int shard, CancellationToken cancellationToken = default) =>
        _shards.GetOrAdd((experimentId, shard), key => new ShardWaker(new AggregatorInput(key.Experiment, key.Shard, settings.IdlePollInterval)))
            .WakeAsync(client).WaitAsync(cancellationToken);

    private sealed class ShardWaker(AggregatorInput input)
    {
        private readonly object _gate = new();
        private bool _running;
        private TaskCompletionSource? _next;

        public Task WakeAsync(DurableTaskClient client)
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

        private async Task RaiseLoopAsync(DurableTaskClient client, TaskCompletionSource current)
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

        /// <summary>
        /// Looks before it acts, so it works with every client: a missing aggregator is started (it drains at once), an
        /// ended one is purged and started afresh (its state lives in the blob store), a running one is woken. A race with
        /// another caller (started, ended or vanished meanwhile) is looked at again.
        /// </summary>
        private async Task RaiseAsync(DurableTaskClient client)
        {
            var instanceId = ExperimentKeys.AggregatorInstanceId(input.ExperimentId, input.Shard);
            for (var attempt = 1; ; attempt++)
            {
                var last = attempt >= 4;
                var existing = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false).ConfigureAwait(false);
                try
                {
                    if (existing is null || existing.RuntimeStatus.IsTerminal())
                    {
                        if (existing is not null) await client.PurgeInstanceAsync(instanceId).ConfigureAwait(false);
                        await client.ScheduleNewOrchestrationInstanceAsync(ExperimentAggregationOrchestrator.Name,
                            input, new StartOrchestrationOptions(instanceId)).ConfigureAwait(false);
                        return;
                    }
                    await client.RaiseEventAsync(instanceId, ExperimentAggregationOrchestrator.WakeEvent).ConfigureAwait(false);
                    return;
                }
                catch (Exception ex) when (!last && ex is InvalidOperationException or ArgumentException)
                {
                    // Another caller started, ended or purged it between the look and the act: look again.
                }
            }
        }
    }
}
