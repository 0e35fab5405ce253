using Serverless.Experiments.Aggregation;
using Serverless.Experiments.Allocation;
using Serverless.Experiments.Bandit;
using Serverless.Experiments.Definitions;
using Serverless.Experiments.Statistics;

namespace Serverless.Experiments;

/// <summary>Statistics and the allocation update that follows from them.</summary>
public sealed record ExperimentAnalysis(StatisticsReport Statistics, AllocationUpdate Allocation);

/// <summary>The cadence step of an experiment in one call: statistics over the aggregates, then the bandit update.</summary>
public static class ExperimentAnalyzer
{
    public static ExperimentAnalysis Recompute(
        ExperimentDefinition definition, ExperimentAggregate aggregate, AllocationState? allocation, DateTimeOffset now, StatisticsOptions? options = null) =>
        Recompute(definition, [aggregate], allocation, now, options);

    /// <summary>Over all shards of the experiment; <paramref name="previous"/> (the last published report) carries the always-valid p-values forward.</summary>
    public static ExperimentAnalysis Recompute(
        ExperimentDefinition definition, IReadOnlyList<ExperimentAggregate> shards, AllocationState? allocation, DateTimeOffset now,
        StatisticsOptions? options = null, StatisticsReport? previous = null, IReadOnlyList<string>? shardVersions = null)
    {
        allocation ??= AllocationState.Initial(definition);
        var statistics = ExperimentStatistics.Compute(definition, shards, allocation, now, options, previous, shardVersions);
        return new ExperimentAnalysis(statistics, BanditAllocator.Update(definition, allocation, statistics, now));
    }
}
