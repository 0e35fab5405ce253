using Serverless.Durable;

namespace Serverless.Workflows.Experiments;

/// <summary>Which shard an apply round drains.</summary>
public sealed record DrainRequest(string ExperimentId, int Shard);

/// <summary>One apply round of a shard (<see cref="ShardDrainer"/>), inside aggregation's concurrency budget.</summary>
public sealed class DrainExperimentShardActivity(ShardDrainer drainer, AggregationBudget budget) : TaskActivity<DrainRequest, DrainResult>
{
    public const string Name = "DrainExperimentShard";

    public override Task<DrainResult> RunAsync(TaskActivityContext context, DrainRequest input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return budget.RunAsync(() => drainer.DrainAsync(input.ExperimentId, input.Shard, context.CancellationToken), context.CancellationToken);
    }
}

/// <summary>Recomputes and publishes one experiment's statistics and weights when the cadence says so, inside aggregation's budget.</summary>
public sealed class RecomputeExperimentActivity(ExperimentRecomputer recomputer, AggregationBudget budget) : TaskActivity<RecomputeRequest, RecomputeResult>
{
    public const string Name = "RecomputeExperiment";

    public override Task<RecomputeResult> RunAsync(TaskActivityContext context, RecomputeRequest input) =>
        budget.RunAsync(() => recomputer.RecomputeIfDueAsync(input, context.CancellationToken), context.CancellationToken);
}
