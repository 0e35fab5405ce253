using Microsoft.DurableTask;
using Serverless.Durable;

namespace Serverless.Workflows.Experiments;

/// <summary>Which shard an apply round drains.</summary>
public sealed record DrainRequest(string ExperimentId, int Shard);

/// <summary>
/// One apply round of a shard (<see cref="ShardDrainer"/>), inside aggregation's concurrency budget. Rounds of one shard
/// start at least <see cref="ExperimentsSettings.MinRoundInterval"/> apart: each round rewrites the shard's state, so under
/// load fewer, larger rounds cost less per event; the wait happens before taking a budget slot.
/// </summary>
public sealed class DrainExperimentShardActivity(ShardDrainer drainer, AggregationBudget budget, ExperimentsSettings settings, TimeProvider time)
    : TaskActivity<DrainRequest, DrainResult>
{
    public const string Name = "DrainExperimentShard";

    public override async Task<DrainResult> RunAsync(TaskActivityContext context, DrainRequest input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var wait = drainer.LastRoundStartedAt(input.ExperimentId, input.Shard) + settings.MinRoundInterval - time.GetUtcNow();
        if (wait > TimeSpan.Zero) await Task.Delay(wait, time, context.CancellationToken).ConfigureAwait(false);
        return await budget.RunAsync(() => drainer.DrainAsync(input.ExperimentId, input.Shard, context.CancellationToken), context.CancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Recomputes and publishes one experiment's statistics and weights when the cadence says so, inside aggregation's budget.</summary>
public sealed class RecomputeExperimentActivity(ExperimentRecomputer recomputer, AggregationBudget budget) : TaskActivity<RecomputeRequest, RecomputeResult>
{
    public const string Name = "RecomputeExperiment";

    public override Task<RecomputeResult> RunAsync(TaskActivityContext context, RecomputeRequest input) =>
        budget.RunAsync(() => recomputer.RecomputeIfDueAsync(input, context.CancellationToken), context.CancellationToken);
}
