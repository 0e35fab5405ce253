using Microsoft.DurableTask;
using Serverless.Durable;
using Serverless.Workflows.Common;

namespace Serverless.Workflows.Experiments;

/// <summary>
/// <c>ExperimentAggregation</c>: one instance per event batch. Applies the batch to each experiment's aggregate exactly
/// once (quarantining bad events), then asks each touched experiment for a recomputation, which happens when the cadence
/// says so and publishes statistics and weights for the assignment API.
/// </summary>
public sealed class ExperimentAggregationOrchestrator : TaskOrchestrator<ExperimentBatchInput, ExperimentAggregationResult>
{
    public const string Name = "ExperimentAggregation";

    /// <summary>
    /// The apply activity is idempotent (the ledger in the aggregate), so every failure is worth another attempt: a
    /// crash after the write, a storage hiccup, or contention beyond the activity's own retries.
    /// </summary>
    public static readonly TaskOptions ApplyOptions = TaskOptions.FromRetryPolicy(new RetryPolicy(5, TimeSpan.FromSeconds(1), 2.0, TimeSpan.FromSeconds(30)));

    public static readonly TaskOptions RecomputeOptions = TaskOptions.FromRetryPolicy(new RetryPolicy(3, TimeSpan.FromSeconds(1), 2.0));

    public override async Task<ExperimentAggregationResult> RunAsync(TaskOrchestrationContext context, ExperimentBatchInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!BatchFormats.IsKnown(input.Format)) throw new ArgumentException($"unknown batch format '{input.Format}' (expected {BatchFormats.JsonArray} or {BatchFormats.JsonLines})", nameof(input));

        context.SetCustomStatus(WorkflowStatus.Progress("apply", 0, 1, input.BatchIdentity));
        var applied = await context.CallActivityAsync<ExperimentBatchApplied>(ApplyExperimentBatchActivity.Name, input, ApplyOptions);

        // Every experiment of the batch is asked, even one where the batch was already applied: a run that crashed after
        // its write and before its recomputation gets the recomputation now. An unchanged aggregate is never re-analysed.
        var touched = applied.Experiments;
        context.SetCustomStatus(WorkflowStatus.Progress("recompute", 0, touched.Count,
            $"{applied.Accepted} accepted, {applied.Quarantined} quarantined"));
        var recomputations = await Task.WhenAll(touched.Select(e => context.CallActivityAsync<RecomputeResult>(
            RecomputeExperimentActivity.Name,
            new RecomputeRequest(e.ExperimentId, e.TotalEvents, e.AggregateHash, context.CurrentUtcDateTime, input.ForceRecompute),
            RecomputeOptions)));

        context.SetCustomStatus(WorkflowStatus.Progress("done", touched.Count, touched.Count,
            $"{applied.Accepted} accepted, {applied.Quarantined} quarantined, {recomputations.Count(r => r.Recomputed)} recomputed"));
        return new ExperimentAggregationResult(applied.BatchIdentity, applied.Records, applied.Accepted, applied.Quarantined,
            applied.QuarantinedByReason, applied.QuarantinePath, applied.Experiments, recomputations);
    }
}
