using Serverless.Experiments.Allocation;
using Serverless.Experiments.Bandit;
using Serverless.Experiments.Definitions;
using Serverless.Experiments.Statistics;

namespace Serverless.Experiments.Tests;

public class BanditTests
{
    private static readonly DateTimeOffset During = Fixtures.Start.AddDays(5);
    private static readonly StatisticsOptions Fast = new() { MonteCarloDraws = 10_000 };

    [Fact]
    public void Thompson_sampling_moves_traffic_to_the_better_variant_within_bounds()
    {
        // True conversion 5%, 5%, 8%. 30 rounds of 2,000 new users (60,000 users, about 62,000 events).
        var definition = Fixtures.Experiment(variants: 3, mode: AllocationMode.ThompsonSampling, floor: 0.05, step: 0.1, minimumExposure: 500);
        var simulation = new Simulation(definition, [0.05, 0.05, 0.08], seed: 2026);
        var allocation = AllocationState.Initial(definition);
        var reasons = new List<AllocationReason>();
        for (var round = 0; round < 30; round++)
        {
            var from = Fixtures.Start.AddHours(round);
            simulation.Round(2_000, allocation.Current, from);
            var previous = allocation.Current;
            var analysis = ExperimentAnalyzer.Recompute(definition, simulation.Aggregate, allocation, from.AddHours(1), Fast);
            allocation = analysis.Allocation.State;
            reasons.Add(analysis.Allocation.Decision.Reason);

            Assert.Equal(1, allocation.Current.Weights.Sum(w => w.Weight), 1e-12);
            for (var v = 0; v < 3; v++)
            {
                Assert.True(allocation.Current[v] >= definition.FloorWeight - 1e-12, $"round {round}: {allocation.Current}");
                Assert.True(Math.Abs(allocation.Current[v] - previous[v]) <= definition.MaxWeightStep + 1e-12, $"round {round}: {previous} -> {allocation.Current}");
            }
        }

        Assert.True(allocation.Current.WeightOf("treatment2") > 0.6, allocation.Current.ToString());
        // Changing weights over time must not look like a sample-ratio mismatch.
        Assert.DoesNotContain(AllocationReason.FrozenSampleRatioMismatch, reasons);
        Assert.Contains(AllocationReason.Reallocated, reasons);
        Assert.True(allocation.History.Count > 2);
    }

    [Fact]
    public void A_fixed_split_keeps_its_weights_however_clear_the_winner()
    {
        var definition = Fixtures.Experiment(variants: 3, weights: [0.5, 0.25, 0.25]);
        var simulation = new Simulation(definition, [0.02, 0.02, 0.20], seed: 1);
        var allocation = AllocationState.Initial(definition);
        for (var round = 0; round < 5; round++)
        {
            simulation.Round(1_000, allocation.Current, Fixtures.Start.AddHours(round));
            var analysis = ExperimentAnalyzer.Recompute(definition, simulation.Aggregate, allocation, Fixtures.Start.AddHours(round + 1), Fast);
            Assert.Equal(AllocationReason.FixedSplit, analysis.Allocation.Decision.Reason);
            Assert.False(analysis.Allocation.Decision.Changed);
            allocation = analysis.Allocation.State;
        }
        Assert.Equal(definition.InitialWeights, allocation.Current);
        Assert.Equal(2, allocation.History.Count); // Initial, then one FixedSplit entry: no entry per cadence tick.
    }

    [Fact]
    public void Nothing_moves_before_every_variant_has_the_minimum_exposure()
    {
        var definition = Fixtures.Experiment(mode: AllocationMode.ThompsonSampling, minimumExposure: 1_000);
        var aggregate = StatisticsReportTests.Build(definition, [(999, 10), (1_001, 200)]);
        var analysis = ExperimentAnalyzer.Recompute(definition, aggregate, null, During, Fast);
        Assert.Equal(AllocationReason.WaitingForMinimumExposure, analysis.Allocation.Decision.Reason);
        Assert.Contains("control has 999", analysis.Allocation.Decision.Detail, StringComparison.Ordinal);
        Assert.Equal(definition.InitialWeights, analysis.Allocation.State.Current);
    }

    [Fact]
    public void A_sample_ratio_mismatch_freezes_the_weights_and_says_so()
    {
        var definition = Fixtures.Experiment(mode: AllocationMode.ThompsonSampling);
        var aggregate = StatisticsReportTests.Build(definition, [(10_000, 100), (10_600, 900)]);
        var analysis = ExperimentAnalyzer.Recompute(definition, aggregate, null, During, Fast);
        Assert.True(analysis.Statistics.SampleRatio.Mismatch);
        Assert.Equal(AllocationReason.FrozenSampleRatioMismatch, analysis.Allocation.Decision.Reason);
        Assert.StartsWith("frozen: sample-ratio mismatch", analysis.Allocation.Decision.Detail, StringComparison.Ordinal);
        Assert.Equal(definition.InitialWeights, analysis.Allocation.State.Current);
        Assert.Equal(AllocationReason.FrozenSampleRatioMismatch, analysis.Allocation.State.History[^1].Reason);
    }

    [Fact]
    public void A_stopped_experiment_keeps_its_weights()
    {
        var definition = Fixtures.Experiment(mode: AllocationMode.ThompsonSampling);
        var aggregate = StatisticsReportTests.Build(definition, [(1_000, 10), (1_000, 200)]);
        var analysis = ExperimentAnalyzer.Recompute(definition, aggregate, null, Fixtures.Stop, Fast);
        Assert.Equal(AllocationReason.NotRunning, analysis.Allocation.Decision.Reason);
        Assert.Equal(definition.InitialWeights, analysis.Allocation.State.Current);
    }

    [Fact]
    public void One_update_moves_each_weight_at_most_the_step_towards_the_floored_target()
    {
        var definition = Fixtures.Experiment(variants: 3, mode: AllocationMode.ThompsonSampling, floor: 0.1, step: 0.05);
        var aggregate = StatisticsReportTests.Build(definition, [(2_000, 100), (2_000, 100), (2_000, 300)]);
        var update = ExperimentAnalyzer.Recompute(definition, aggregate, null, During, Fast).Allocation;

        // P(best) of treatment2 is ~1, so the target is floor + (1 − 3·floor)·1 = 0.8 for it and 0.1 for the others;
        // the largest move (0.8 − 1/3) is cut to 0.05 and the others scale with it.
        Assert.Equal(AllocationReason.Reallocated, update.Decision.Reason);
        Assert.Equal(0.8, update.Decision.ThompsonTarget!.WeightOf("treatment2"), 1e-3);
        var lambda = 0.05 / (update.Decision.ThompsonTarget.WeightOf("treatment2") - 1.0 / 3);
        Assert.Equal(1.0 / 3 + 0.05, update.State.Current.WeightOf("treatment2"), 1e-12);
        Assert.Equal(1.0 / 3 + lambda * (update.Decision.ThompsonTarget.WeightOf("control") - 1.0 / 3), update.State.Current.WeightOf("control"), 1e-12);
        Assert.True(update.Decision.Changed);
        Assert.Equal(During, update.State.History[^1].EffectiveFrom);
        Assert.Equal("experiment-allocation", update.Manifest.Kind);
        Assert.Equal("0.05", update.Manifest.Parameters["maxWeightStep"]);
        Assert.Equal(ExperimentAnalyzer.Recompute(definition, aggregate, null, During, Fast).Statistics.Manifest.DataHash, update.Manifest.DataHash);
    }
}
