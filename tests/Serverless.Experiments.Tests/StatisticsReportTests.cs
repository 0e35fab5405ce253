using System.Text.Json;
using Serverless.Experiments.Aggregation;
using Serverless.Experiments.Allocation;
using Serverless.Experiments.Definitions;
using Serverless.Experiments.Events;
using Serverless.Experiments.Serialization;
using Serverless.Experiments.Statistics;

namespace Serverless.Experiments.Tests;

public class StatisticsReportTests
{
    private static readonly DateTimeOffset T = Fixtures.Start.AddDays(1);
    private static readonly StatisticsOptions Fast = new() { MonteCarloDraws = 20_000 };

    [Fact]
    public void Conversion_report_carries_the_reference_methods_and_a_manifest()
    {
        var definition = Fixtures.Experiment();
        var aggregate = Build(definition, [(1000, 50), (1000, 80)]);
        var now = T.AddDays(1);
        var report = ExperimentStatistics.Compute(definition, aggregate, null, now, Fast);

        var control = report.Variants[0];
        var treatment = report.Variants[1];
        Assert.True(control.IsControl);
        Assert.Null(control.LiftVersusControl);
        Assert.Equal(0.05, control.Estimate);
        Assert.Equal(FrequentistMethods.WilsonInterval(80, 1000), treatment.EstimateInterval);
        Assert.Equal(FrequentistMethods.TwoProportionZTest(50, 1000, 80, 1000), treatment.TestVersusControl);
        Assert.Equal(0.6, treatment.LiftVersusControl!.Relative, 1e-12);
        Assert.True(treatment.ProbabilityBest > 0.99);
        Assert.Equal(1, report.Variants.Sum(v => v.ProbabilityBest), 1e-12);
        Assert.True(treatment.ExpectedLoss < control.ExpectedLoss);
        Assert.False(report.SampleRatio.Mismatch);

        Assert.Equal("experiment-statistics", report.Manifest.Kind);
        Assert.Equal(now, report.Manifest.CreatedAt);
        Assert.Equal("20000", report.Manifest.Parameters["monteCarloDraws"]);
        Assert.Matches("^[0-9a-f]{64}$", report.Manifest.DataHash);
        Assert.False(string.IsNullOrEmpty(report.Manifest.CodeVersion));
    }

    [Fact]
    public void Same_inputs_give_byte_identical_reports()
    {
        var definition = Fixtures.Experiment(variants: 3);
        var aggregate = Build(definition, [(500, 20), (500, 25), (500, 31)]);
        string Json() => JsonSerializer.Serialize(ExperimentStatistics.Compute(definition, aggregate, null, T, Fast), ExperimentsJsonContext.Default.StatisticsReport);
        Assert.Equal(Json(), Json());
    }

    [Fact]
    public void Value_per_user_uses_welch_and_t_intervals()
    {
        var definition = Fixtures.Experiment(metric: PrimaryMetric.ValuePerUser);
        var catalog = new ExperimentCatalog([definition]);
        var lines = new List<string>();
        double[][] values = [[1, 2, 3, 4, 10], [2, 4, 6, 8, 20, 0]];
        for (var v = 0; v < 2; v++)
        {
            for (var i = 0; i < values[v].Length; i++)
            {
                var user = $"v{v}u{i}";
                lines.Add(Fixtures.Event($"{user}x", definition.Id, Fixtures.VariantId(v), user, "exposure", T));
                if (values[v][i] != 0) lines.Add(Fixtures.Event($"{user}c", definition.Id, Fixtures.VariantId(v), user, "conversion", T, values[v][i]));
            }
        }
        var aggregate = ExperimentAggregate.Create(definition);
        aggregate.Apply(Fixtures.ParseLines(catalog, lines));
        var report = ExperimentStatistics.Compute(definition, aggregate, null, T, Fast);

        // Control {1,2,3,4,10}: mean 4, variance 12.5. Treatment {2,4,6,8,20,0}: mean 6.6667, variance 50.6667.
        var control = report.Variants[0];
        var treatment = report.Variants[1];
        Assert.Equal(4, control.Estimate!.Value, 1e-12);
        Assert.Equal(20.0 / 3, treatment.Estimate!.Value, 1e-12);
        Assert.Equal(FrequentistMethods.WelchTTest(4, 12.5, 5, 20.0 / 3, 152.0 / 3, 6)!.PValue, treatment.TestVersusControl!.PValue, 1e-12);
        Assert.Equal(FrequentistMethods.MeanInterval(4, 12.5, 5), control.EstimateInterval);
        Assert.Equal(20.0 / 3 / 4 - 1, treatment.LiftVersusControl!.Relative, 1e-12);
    }

    [Fact]
    public void Sample_ratio_mismatch_is_flagged_on_a_fixed_split()
    {
        var definition = Fixtures.Experiment();
        var report = ExperimentStatistics.Compute(definition, Build(definition, [(10_000, 0), (10_600, 0)]), null, T, Fast);
        Assert.True(report.SampleRatio.Mismatch);
        Assert.Equal(2.909992111576431e-5, report.SampleRatio.PValue!.Value, 1e-15); // mpmath, as in FrequentistMethodsTests
        Assert.Equal([0.5, 0.5], report.SampleRatio.ExpectedShares);

        var fine = ExperimentStatistics.Compute(definition, Build(definition, [(10_000, 0), (10_400, 0)]), null, T, Fast);
        Assert.False(fine.SampleRatio.Mismatch);
    }

    [Fact]
    public void Expected_shares_follow_the_weight_history_weighted_by_exposures()
    {
        // 10,000 users first exposed under 50/50, then 10,000 under 20/80: expected 35% / 65% overall.
        var definition = Fixtures.Experiment(mode: AllocationMode.ThompsonSampling);
        var change = Fixtures.Start.AddDays(10);
        var later = new AllocationWeights([new VariantWeight("control", 0.2), new VariantWeight("treatment1", 0.8)]);
        var allocation = AllocationState.Initial(definition) with
        {
            Current = later,
            History = [.. AllocationState.Initial(definition).History, new WeightChange(change, later, AllocationReason.Reallocated, "test")],
        };
        var aggregate = ExperimentAggregate.Create(definition);
        var catalog = new ExperimentCatalog([definition]);
        var lines = new List<string>();
        for (var i = 0; i < 20_000; i++)
        {
            var inSecond = i >= 10_000;
            var variant = inSecond ? (i % 5 == 0 ? "control" : "treatment1") : (i % 2 == 0 ? "control" : "treatment1");
            var at = (inSecond ? change : Fixtures.Start).AddMinutes(i % 1000);
            lines.Add(Fixtures.Event($"e{i}", definition.Id, variant, $"u{i}", "exposure", at));
        }
        aggregate.Apply(Fixtures.ParseLines(catalog, lines));

        var report = ExperimentStatistics.Compute(definition, aggregate, allocation, change.AddDays(1), Fast);
        Assert.Equal(0.35, report.SampleRatio.ExpectedShares[0], 1e-12);
        Assert.Equal([7_000L, 13_000], report.SampleRatio.ObservedUsers);
        Assert.False(report.SampleRatio.Mismatch);
        Assert.Equal([5_000L, 5_000], report.SampleRatio.Periods[0].ExposedUsers);
        Assert.Equal([2_000L, 8_000], report.SampleRatio.Periods[1].ExposedUsers);

        // Against the current weights alone the same data would look like a gross mismatch.
        Assert.True(FrequentistMethods.ChiSquareGoodnessOfFit([7_000, 13_000], [0.2, 0.8])!.PValue < 1e-10);
    }

    [Fact]
    public void Reports_serialise_with_the_source_generated_context()
    {
        var definition = Fixtures.Experiment();
        var report = ExperimentStatistics.Compute(definition, ExperimentAggregate.Create(definition), null, T, Fast);
        var json = JsonSerializer.Serialize(report, ExperimentsJsonContext.Default.StatisticsReport);
        Assert.Contains("\"metric\":\"Conversion\"", json, StringComparison.Ordinal);
        var back = JsonSerializer.Deserialize(json, ExperimentsJsonContext.Default.StatisticsReport)!;
        Assert.Equal(report.Manifest.DataHash, back.Manifest.DataHash);
        Assert.Null(back.Variants[0].Estimate);
    }

    /// <summary>An aggregate with the given exposed and converting users per variant.</summary>
    internal static ExperimentAggregate Build(ExperimentDefinition definition, (int Exposed, int Converting)[] variants)
    {
        var catalog = new ExperimentCatalog([definition]);
        var lines = new List<string>();
        for (var v = 0; v < variants.Length; v++)
        {
            for (var i = 0; i < variants[v].Exposed; i++)
            {
                var user = $"v{v}-u{i}";
                lines.Add(Fixtures.Event($"{user}-x", definition.Id, Fixtures.VariantId(v), user, "exposure", T));
                if (i < variants[v].Converting) lines.Add(Fixtures.Event($"{user}-c", definition.Id, Fixtures.VariantId(v), user, "conversion", T));
            }
        }
        var aggregate = ExperimentAggregate.Create(definition);
        aggregate.Apply(Fixtures.ParseLines(catalog, lines));
        return aggregate;
    }
}
