using Serverless.Experiments.Aggregation;
using Serverless.Experiments.Allocation;
using Serverless.Experiments.Definitions;
using Serverless.Experiments.Statistics;

namespace Serverless.Experiments.Tests;

/// <summary>
/// Fixed-seed simulations of the two ways repeated analysis under a bandit goes wrong: time confounding when weights move
/// while base rates drift (pooled estimates are biased, period-stratified ones are not), and peeking after every batch
/// (a fixed-horizon test's false positive rate grows, the sequential test's stays at α). Sufficient statistics are drawn
/// directly (binomial counts per period), so a thousand experiments take well under a second; the estimators are the ones
/// the statistics report uses.
/// </summary>
public class MovingWeightsSimulationTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const double Alpha = 0.05;

    /// <summary>Base rates climb period after period while a bandit moves traffic to the treatment.</summary>
    private static readonly double[] BaseRates = [0.05, 0.08, 0.11, 0.14, 0.17];
    private static readonly double[] TreatmentWeights = [0.5, 0.6, 0.7, 0.8, 0.9];
    private const int UsersPerPeriod = 4_000;

    private static long Binomial(SeededRandom random, long n, double p)
    {
        long k = 0;
        for (var i = 0; i < n; i++)
        {
            if (random.NextDouble() < p) k++;
        }
        return k;
    }

    /// <summary>One experiment's per-period counts: users split by that period's weights, converting at the period's rate (+ effect for the treatment).</summary>
    private static PeriodCounts DrawDrifting(SeededRandom random, double effect)
    {
        var counts = new PeriodCounts(BaseRates.Length, 2);
        for (var p = 0; p < BaseRates.Length; p++)
        {
            var treated = Binomial(random, UsersPerPeriod, TreatmentWeights[p]);
            var control = UsersPerPeriod - treated;
            counts.Set(p, 0, control, Binomial(random, control, BaseRates[p]));
            counts.Set(p, 1, treated, Binomial(random, treated, BaseRates[p] + effect));
        }
        return counts;
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.005)] // Simpson's paradox: the treatment is worse in every period, yet pooled it looks better
    public void Under_drifting_base_rates_and_moving_weights_the_stratified_estimate_is_unbiased_and_the_pooled_one_is_not(double trueEffect)
    {
        const int experiments = 300;
        var random = new SeededRandom(20_261_206);
        var stratified = new List<double>();
        var pooled = new List<double>();
        var covered = 0;
        for (var e = 0; e < experiments; e++)
        {
            var estimates = PeriodStratifiedEstimator.Estimate(DrawDrifting(random, trueEffect), PrimaryMetric.Conversion);
            Assert.Equal(BaseRates.Length, estimates.Strata);
            var difference = PeriodStratifiedEstimator.Difference(estimates, 1, 0)!;
            stratified.Add(difference.Effect);
            pooled.Add(difference.PooledEffect);
            var half = FrequentistMethods.CriticalZ(1 - Alpha) * Math.Sqrt(difference.Variance);
            if (Math.Abs(difference.Effect - trueEffect) <= half) covered++;
        }

        var (stratifiedMean, stratifiedSe) = MeanAndStandardError(stratified);
        var (pooledMean, _) = MeanAndStandardError(pooled);
        output.WriteLine($"true effect {trueEffect}: stratified mean {stratifiedMean:0.00000} (se {stratifiedSe:0.00000}), coverage {covered / (double)experiments:0.000}; pooled mean {pooledMean:0.00000}");
        // Stratified: centred on the truth (within 3 standard errors of the simulation), intervals cover it about 95% of the time.
        Assert.InRange(stratifiedMean - trueEffect, -3 * stratifiedSe, 3 * stratifiedSe);
        Assert.InRange(covered / (double)experiments, 0.92, 0.98);
        // Pooled: the treatment inherits the later, higher base rates; the bias (about +0.029 here) dwarfs the effect.
        Assert.InRange(pooledMean - trueEffect, 0.02, 0.04);
        Assert.True(pooledMean > 0, "pooled, even a harmful treatment looks better");
    }

    [Fact]
    public void Through_the_report_the_estimate_is_stratified_by_allocation_period_and_the_pooled_one_shown_beside_it()
    {
        var definition = Fixtures.Experiment("ranker", mode: AllocationMode.ThompsonSampling, minimumExposure: 0);
        var catalog = new Serverless.Experiments.Events.ExperimentCatalog([definition]);
        var aggregate = ExperimentAggregate.Create(definition);
        var random = new Random(7);
        var history = new List<WeightChange>();
        var lines = new List<string>();
        for (var p = 0; p < BaseRates.Length; p++)
        {
            var from = Fixtures.Start.AddDays(p);
            var weights = new AllocationWeights([new VariantWeight("control", 1 - TreatmentWeights[p]), new VariantWeight("treatment1", TreatmentWeights[p])]);
            history.Add(new WeightChange(from, weights, p == 0 ? AllocationReason.Initial : AllocationReason.Reallocated, "simulated"));
            for (var u = 0; u < 3_000; u++)
            {
                var user = $"p{p}-u{u}";
                var variant = random.NextDouble() < TreatmentWeights[p] ? "treatment1" : "control";
                var at = from.AddSeconds(u * 5);
                lines.Add(Fixtures.Event($"{user}-x", "ranker", variant, user, "exposure", at));
                if (random.NextDouble() < BaseRates[p]) lines.Add(Fixtures.Event($"{user}-c", "ranker", variant, user, "conversion", at.AddMinutes(1)));
            }
        }
        aggregate.Apply(Fixtures.ParseLines(catalog, lines));
        var allocation = new AllocationState("ranker", history[^1].Weights, history);

        var report = ExperimentStatistics.Compute(definition, aggregate, allocation, Fixtures.Start.AddDays(6), new StatisticsOptions { MonteCarloDraws = 2_000 });

        Assert.Equal(BaseRates.Length, report.Strata);
        var treatment = report.Variants[1];
        Assert.NotNull(treatment.PooledEstimate);
        Assert.True(treatment.PooledEstimate - report.Variants[0].PooledEstimate > treatment.EffectVersusControl!.Effect + 0.01,
            $"pooled {treatment.PooledEstimate - report.Variants[0].PooledEstimate} vs stratified {treatment.EffectVersusControl.Effect}");
        Assert.InRange(treatment.EffectVersusControl.Effect, -0.03, 0.03);
        // SRM per period against each period's own weights: no mismatch although the pooled split is far from any one period's.
        Assert.Equal(BaseRates.Length, report.SampleRatio.Periods.Count);
        Assert.All(report.SampleRatio.Periods, p => Assert.True(p.PValue > 0.001));
        Assert.False(report.SampleRatio.Mismatch);
        Assert.Equal(BaseRates.Length, report.SampleRatio.DegreesOfFreedom); // one per period, two variants each
    }

    [Fact]
    public void Under_the_null_with_a_look_after_every_batch_the_sequential_test_keeps_its_error_rate_and_naive_peeking_does_not()
    {
        const int experiments = 1_000;
        const int looks = 20;
        const int usersPerArmPerLook = 200;
        var random = new SeededRandom(42);
        int naive = 0, sequential = 0, missedByConfidenceSequence = 0;
        for (var e = 0; e < experiments; e++)
        {
            long nc = 0, xc = 0, nt = 0, xt = 0;
            double? previous = null;
            bool naiveRejected = false, sequentialRejected = false, missed = false;
            for (var look = 0; look < looks; look++)
            {
                nc += usersPerArmPerLook;
                nt += usersPerArmPerLook;
                xc += Binomial(random, usersPerArmPerLook, 0.10);
                xt += Binomial(random, usersPerArmPerLook, 0.10);
                var counts = new PeriodCounts(1, 2);
                counts.Set(0, 0, nc, xc);
                counts.Set(0, 1, nt, xt);
                var difference = PeriodStratifiedEstimator.Difference(PeriodStratifiedEstimator.Estimate(counts, PrimaryMetric.Conversion), 1, 0)!;

                var fixedHorizon = FrequentistMethods.TwoProportionZTest(xc, nc, xt, nt)!;
                if (fixedHorizon.PValue < Alpha) naiveRejected = true;
                var test = SequentialTesting.Evaluate(difference.Effect, difference.Variance, difference.Users, Alpha, 5_000, previous);
                if (test is null) continue;
                previous = test.AlwaysValidPValue;
                if (test.AlwaysValidPValue <= Alpha) sequentialRejected = true;
                if (test.ConfidenceSequence.Lower > 0 || test.ConfidenceSequence.Upper < 0) missed = true;
            }
            if (naiveRejected) naive++;
            if (sequentialRejected) sequential++;
            if (missed) missedByConfidenceSequence++;
        }

        var naiveRate = naive / (double)experiments;
        var sequentialRate = sequential / (double)experiments;
        output.WriteLine($"false positive rate over {experiments} experiments, {looks} looks: naive peeking {naiveRate:0.000}, sequential {sequentialRate:0.000}");
        Assert.True(sequentialRate <= Alpha, $"sequential false positive rate {sequentialRate}");
        Assert.True(naiveRate > 2 * Alpha, $"naive peeking false positive rate {naiveRate}");
        // The confidence sequence covers the true effect (0) at every look at once, in at least 1 − α of the experiments.
        Assert.Equal(sequential, missedByConfidenceSequence);
    }

    [Fact]
    public void With_a_real_effect_the_sequential_test_still_finds_it()
    {
        const int experiments = 200;
        var random = new SeededRandom(43);
        var found = 0;
        for (var e = 0; e < experiments; e++)
        {
            long n = 0, xc = 0, xt = 0;
            double? previous = null;
            for (var look = 0; look < 20 && previous is not <= Alpha; look++)
            {
                n += 200;
                xc += Binomial(random, 200, 0.10);
                xt += Binomial(random, 200, 0.13);
                var counts = new PeriodCounts(1, 2);
                counts.Set(0, 0, n, xc);
                counts.Set(0, 1, n, xt);
                var difference = PeriodStratifiedEstimator.Difference(PeriodStratifiedEstimator.Estimate(counts, PrimaryMetric.Conversion), 1, 0)!;
                previous = SequentialTesting.Evaluate(difference.Effect, difference.Variance, difference.Users, Alpha, 5_000, previous)?.AlwaysValidPValue;
            }
            if (previous <= Alpha) found++;
        }
        output.WriteLine($"power (10% vs 13%, up to 4,000 users per arm): {found / (double)experiments:0.000}");
        Assert.True(found / (double)experiments > 0.8, $"power {found / (double)experiments}");
    }

    [Fact]
    public void The_always_valid_p_value_never_rises_and_matches_its_confidence_sequence()
    {
        var first = SequentialTesting.Evaluate(0.02, 1e-4, 2_000, Alpha, 5_000)!;
        var later = SequentialTesting.Evaluate(0.0, 1e-4, 4_000, Alpha, 5_000, first.AlwaysValidPValue)!;
        Assert.Equal(first.AlwaysValidPValue, later.AlwaysValidPValue);
        // At the boundary: p = α exactly when 0 is an end of the sequence.
        var boundary = SequentialTesting.Evaluate(0.02, 1e-4, 2_000, Alpha, 5_000)!;
        var zeroOutside = boundary.ConfidenceSequence.Lower > 0;
        Assert.Equal(zeroOutside, boundary.AlwaysValidPValue <= Alpha);
        Assert.Null(SequentialTesting.Evaluate(0.1, 0, 10, Alpha, 5_000));
        // Wider than the fixed-horizon interval: the price of looking at any time.
        Assert.True(boundary.ConfidenceSequence.Upper - 0.02 > FrequentistMethods.CriticalZ(0.95) * 0.01);
    }

    private static (double Mean, double StandardError) MeanAndStandardError(IReadOnlyList<double> values)
    {
        var mean = values.Average();
        var variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
        return (mean, Math.Sqrt(variance / values.Count));
    }
}
