using Microsoft.DurableTask;
using Serverless.Durable;
using Serverless.Workflows.Common;

namespace Serverless.Workflows.Experiments;

/// <summary>
/// <c>ExperimentAggregation</c>: the singleton aggregator of one experiment shard, with the fixed instance id
/// <c>experiment-aggregator-{experiment}-{shard}</c>. Each iteration drains the shard's pending list in one apply round
/// (<see cref="DrainExperimentShardActivity"/>); shard 0 then asks for a recomputation of the experiment's statistics,
/// which happens when the cadence says so. With nothing pending it waits for a <c>wake</c> event (raised by ingestion
/// after it wrote a part) or, at the latest, the idle poll interval. Every iteration continues as new, so the history
/// stays a few events long however long the aggregator lives.
/// </summary>
/// <remarks>
/// Why a singleton orchestration per shard rather than durable entities or ETag races: there is exactly one writer per
/// shard by construction (the fixed instance id), on the embedded engine and on Durable Functions alike, wherever the
/// Function App's instances scale out; the pending list is plain blobs any instance can write; and the orchestration's
/// history holds no events, only wake-ups, so it stays small whatever the event rate. Durable entities would give the same
/// single writer, but signal payloads would carry every batch through the task hub and the Durable Task programming
/// model this code base uses has no entities on the embedded engine.
/// </remarks>
public sealed class ExperimentAggregationOrchestrator : TaskOrchestrator<AggregatorInput, string>
{
    public const string Name = "ExperimentAggregation";

    /// <summary>The event ingestion raises after writing a pending part.</summary>
    public const string WakeEvent = "wake";

    /// <summary>A round is idempotent (the ledger and eventIds in the state), so every failure is worth another attempt.</summary>
    public static readonly TaskOptions DrainOptions = TaskOptions.FromRetryPolicy(new RetryPolicy(10, TimeSpan.FromSeconds(1), 2.0, TimeSpan.FromSeconds(30)));

    public static readonly TaskOptions RecomputeOptions = TaskOptions.FromRetryPolicy(new RetryPolicy(3, TimeSpan.FromSeconds(1), 2.0));

    public override async Task<string> RunAsync(TaskOrchestrationContext context, AggregatorInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var drained = await context.CallActivityAsync<DrainResult>(DrainExperimentShardActivity.Name, new DrainRequest(input.ExperimentId, input.Shard), DrainOptions);
        if (input.Shard == 0 && drained.Parts > 0)
        {
            await context.CallActivityAsync<RecomputeResult>(RecomputeExperimentActivity.Name,
                new RecomputeRequest(input.ExperimentId, context.CurrentUtcDateTime), RecomputeOptions);
        }
        context.SetCustomStatus(WorkflowStatus.Progress("apply", drained.Parts, drained.Parts,
            $"{drained.EventsApplied} applied, {drained.EventsSkipped} counted before, {drained.EventsRefused} quarantined; {drained.TotalEvents} in the shard"));

        if (drained.Parts == 0 && !drained.MorePending)
        {
            try
            {
                await context.WaitForExternalEvent<object?>(WakeEvent, input.IdlePollInterval);
            }
            catch (TaskCanceledException)
            {
                // Idle poll: look again; shard 0 lets the time-based cadence publish what arrived last.
                if (input.Shard == 0)
                {
                    await context.CallActivityAsync<RecomputeResult>(RecomputeExperimentActivity.Name,
                        new RecomputeRequest(input.ExperimentId, context.CurrentUtcDateTime), RecomputeOptions);
                }
            }
        }
        // Wake-ups received meanwhile are dropped, not carried over (under load they would pile up in every new history):
        // each was raised after its part was written, so the next iteration's drain, which lists the pending parts first,
        // takes that part anyway.
        context.ContinueAsNew(input, preserveUnprocessedEvents: false);
        return "continued";
    }
}
