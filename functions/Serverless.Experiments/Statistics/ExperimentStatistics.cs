using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Serverless.Experiments.Aggregation;
using Serverless.Experiments.Allocation;
using Serverless.Experiments.Definitions;
using Serverless.Experiments.Serialization;

namespace Serverless.Experiments.Statistics;

/// <summary>Computes the statistics of one experiment from its aggregates (one per shard) in one call.</summary>
public static class ExperimentStatistics
{
    public static StatisticsReport Compute(
        ExperimentDefinition definition, ExperimentAggregate aggregate, AllocationState? allocation, DateTimeOffset now, StatisticsOptions? options = null,
        StatisticsReport? previous = null) =>
        Compute(definition, [aggregate], allocation, now, options, previous);

    /// <summary>
    /// The report over all shards of the experiment: their summaries and per-period counts add up (a user lives in one
    /// shard). <paramref name="previous"/> is the last published report: the always-valid p-values never rise above it.
    /// <paramref name="shardVersions"/>, when the host has them (the stored states' content hashes or ETags), stand for the
    /// shards in the manifest's data hash instead of their canonical JSON, which is costly to write for millions of users.
    /// </summary>
    public static StatisticsReport Compute(
        ExperimentDefinition definition, IReadOnlyList<ExperimentAggregate> shards, AllocationState? allocation, DateTimeOffset now,
        StatisticsOptions? options = null, StatisticsReport? previous = null, IReadOnlyList<string>? shardVersions = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(shards);
        if (shards.Count == 0) throw new ArgumentException("at least one aggregate is needed", nameof(shards));
        options ??= new StatisticsOptions();
        allocation ??= AllocationState.Initial(definition);
        var variantIds = definition.Variants.Select(v => v.Id).ToList();
        foreach (var aggregate in shards)
        {
            if (aggregate.ExperimentId != definition.Id || !aggregate.VariantIds.SequenceEqual(variantIds, StringComparer.Ordinal))
            {
                throw new ArgumentException($"the aggregate ({aggregate.ExperimentId}: {string.Join(", ", aggregate.VariantIds)}) does not match the definition ({definition.Id}: {string.Join(", ", variantIds)})", nameof(shards));
            }
        }
        if (allocation.ExperimentId != definition.Id) throw new ArgumentException($"the allocation is for '{allocation.ExperimentId}', not '{definition.Id}'", nameof(allocation));

        var summary = AggregateSummary.Merge(shards.Select(s => s.Summarize()).ToList());
        var history = allocation.History.OrderBy(h => h.EffectiveFrom).ToList();
        var periodStarts = history.Select(h => h.EffectiveFrom.UtcTicks).ToList();
        var counts = shards[0].CountByPeriod(periodStarts);
        foreach (var shard in shards.Skip(1)) counts.Add(shard.CountByPeriod(periodStarts));

        var stratified = PeriodStratifiedEstimator.Estimate(counts, definition.PrimaryMetric);
        var variants = CompareVariants(definition, summary, stratified, options, previous);
        var sampleRatio = SampleRatio(variantIds, summary, history, counts, options.SampleRatioAlpha);
        var quality = new DataQuality(
            summary.Variants.Sum(v => v.ConvertingUsersWithoutExposure),
            summary.Variants.Sum(v => v.ValueUsersWithoutExposure),
            summary.UsersInMoreThanOneVariant)
        {
            ConvertingUsersOnlyBeforeExposure = summary.Variants.Sum(v => v.ConvertingUsersOnlyBeforeExposure),
        };

        var parameters = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["experiment"] = definition.Id,
            ["metric"] = definition.PrimaryMetric.ToString(),
            ["confidenceLevel"] = options.ConfidenceLevel.ToString("R", CultureInfo.InvariantCulture),
            ["inference"] = options.Inference.ToString(),
            ["sequentialTuningSampleSize"] = options.SequentialTuningSampleSize.ToString("R", CultureInfo.InvariantCulture),
            ["monteCarloDraws"] = options.MonteCarloDraws.ToString(CultureInfo.InvariantCulture),
            ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
            ["sampleRatioAlpha"] = options.SampleRatioAlpha.ToString("R", CultureInfo.InvariantCulture),
            ["shards"] = shards.Count.ToString(CultureInfo.InvariantCulture),
            ["methods"] = (definition.PrimaryMetric == PrimaryMetric.Conversion
                ? "Wilson score interval (one period); two-proportion pooled z-test (one period); Beta(1+x,1+n-x) Monte Carlo (one period)"
                : "Student-t interval (one period); Welch t-test (one period); normal-approximation Monte Carlo")
                + "; period-stratified estimates weighted by period size with normal intervals, z-test and normal Monte Carlo (several periods)"
                + "; lift log-ratio delta-method interval; mSPRT always-valid p-value and confidence sequence (normal mixture, GrowthBook tuning)"
                + "; chi-square SRM per allocation period, combined",
        };
        var manifest = new ArtifactManifest("experiment-statistics", ArtifactManifest.CurrentCodeVersion, DataHash(shards, allocation, shardVersions), parameters, now);
        return new StatisticsReport(definition.Id, definition.PrimaryMetric, definition.ControlVariantId, variants, sampleRatio, quality, manifest)
        {
            Inference = options.Inference,
            Strata = stratified.Strata,
        };
    }

    /// <summary>SHA-256 over each shard's canonical aggregate JSON (or its stored version) and the allocation JSON: the inputs of the statistics.</summary>
    internal static string DataHash(IReadOnlyList<ExperimentAggregate> shards, AllocationState allocation, IReadOnlyList<string>? shardVersions = null)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (shardVersions is not null)
        {
            foreach (var version in shardVersions)
            {
                hash.AppendData(System.Text.Encoding.UTF8.GetBytes(version));
                hash.AppendData("\n"u8);
            }
        }
        else
        {
            foreach (var shard in shards.OrderBy(s => s.Shard))
            {
                hash.AppendData(shard.ToUtf8Json());
                hash.AppendData("\n"u8);
            }
        }
        hash.AppendData(JsonSerializer.SerializeToUtf8Bytes(allocation, ExperimentsJsonContext.Default.AllocationState));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static List<VariantStatistics> CompareVariants(
        ExperimentDefinition definition, AggregateSummary summary, StratifiedEstimates stratified, StatisticsOptions options, StatisticsReport? previous)
    {
        var metric = definition.PrimaryMetric;
        var controlIndex = definition.ControlIndex;
        var onePeriod = stratified.Strata <= 1;
        var alpha = 1 - options.ConfidenceLevel;
        var z = FrequentistMethods.CriticalZ(options.ConfidenceLevel);
        double? Se(int v) => stratified.Variants[v].Users == 0 || !double.IsFinite(stratified.Variants[v].Variance) ? null : Math.Sqrt(stratified.Variants[v].Variance);
        double? Estimate(int v) => stratified.Variants[v].Users == 0 ? null : stratified.Variants[v].Estimate;

        BayesianFigures? bayes;
        if (metric == PrimaryMetric.Conversion && onePeriod)
        {
            bayes = BayesianComparison.ForConversions(summary.Variants.Select(v => (v.ConvertingUsers, v.ExposedUsers)).ToList(), options.MonteCarloDraws, options.Seed);
        }
        else
        {
            // Without a standard error there is no posterior to draw from, so no preference.
            var usable = Enumerable.Range(0, summary.Variants.Count).All(v => Se(v) is > 0 || (metric == PrimaryMetric.Conversion && Se(v) is not null));
            bayes = usable && (metric == PrimaryMetric.Conversion || summary.Variants.All(v => v.ValueVariance is not null))
                ? BayesianComparison.ForMeans(Enumerable.Range(0, summary.Variants.Count).Select(v => (Estimate(v)!.Value, Se(v)!.Value)).ToList(), options.MonteCarloDraws, options.Seed)
                : null;
        }

        var result = new List<VariantStatistics>();
        for (var i = 0; i < summary.Variants.Count; i++)
        {
            var v = summary.Variants[i];
            var isControl = i == controlIndex;
            var estimate = Estimate(i);
            var se = Se(i);
            Interval? interval;
            if (onePeriod)
            {
                interval = metric == PrimaryMetric.Conversion
                    ? FrequentistMethods.WilsonInterval(v.ConvertingUsers, v.ExposedUsers, options.ConfidenceLevel)
                    : v.ValueMean is { } mean && v.ValueVariance is { } variance ? FrequentistMethods.MeanInterval(mean, variance, v.ExposedUsers, options.ConfidenceLevel) : null;
            }
            else
            {
                interval = estimate is { } e && se is { } s ? new Interval(e - z * s, e + z * s) : null;
            }

            LiftEstimate? lift = null;
            TestResult? test = null;
            EffectEstimate? effect = null;
            SequentialResult? sequential = null;
            bool? significant = null;
            var difference = isControl ? null : PeriodStratifiedEstimator.Difference(stratified, i, controlIndex);
            if (difference is not null && se is { } treatmentSe && Se(controlIndex) is { } controlSe && (metric == PrimaryMetric.Conversion || (v.ExposedUsers >= 2 && summary.Variants[controlIndex].ExposedUsers >= 2)))
            {
                lift = FrequentistMethods.RelativeLift(estimate!.Value, treatmentSe, Estimate(controlIndex)!.Value, controlSe, options.ConfidenceLevel);
                var control = summary.Variants[controlIndex];
                test = onePeriod
                    ? metric == PrimaryMetric.Conversion
                        ? FrequentistMethods.TwoProportionZTest(control.ConvertingUsers, control.ExposedUsers, v.ConvertingUsers, v.ExposedUsers)
                        : control.ValueVariance is { } cv && v.ValueVariance is { } tv ? FrequentistMethods.WelchTTest(control.ValueMean!.Value, cv, control.ExposedUsers, v.ValueMean!.Value, tv, v.ExposedUsers) : null
                    : ZTest(difference.Effect, difference.Variance);
                if (difference.Variance > 0)
                {
                    var differenceSe = Math.Sqrt(difference.Variance);
                    effect = new EffectEstimate(difference.Effect, differenceSe, new Interval(difference.Effect - z * differenceSe, difference.Effect + z * differenceSe));
                    var before = previous?.Variants.FirstOrDefault(p => p.VariantId == v.VariantId)?.Sequential?.AlwaysValidPValue;
                    sequential = SequentialTesting.Evaluate(difference.Effect, difference.Variance, difference.Users, alpha, options.SequentialTuningSampleSize, before);
                }
                significant = options.Inference == InferenceMode.Sequential
                    ? sequential is { } sq ? sq.AlwaysValidPValue <= alpha : null
                    : test is { } t ? t.PValue < alpha : null;
            }
            result.Add(new VariantStatistics(v.VariantId, isControl, v.ExposedUsers, v.ConvertingUsers, estimate, se, interval,
                lift, test, bayes?.ProbabilityBest[i] ?? 1.0 / summary.Variants.Count, bayes?.ExpectedLoss[i])
            {
                PooledEstimate = stratified.Variants[i].Users == 0 ? null : stratified.Variants[i].Pooled,
                EffectVersusControl = effect,
                Sequential = sequential,
                Significant = significant,
            });
        }
        return result;
    }

    private static TestResult? ZTest(double effect, double variance)
    {
        if (!(variance > 0)) return null;
        var z = effect / Math.Sqrt(variance);
        return new TestResult(z, null, Math.Min(1, 2 * NormalDistribution.UpperTail(Math.Abs(z))));
    }

    private static SampleRatioCheck SampleRatio(
        IReadOnlyList<string> variantIds, AggregateSummary summary, IReadOnlyList<WeightChange> history, PeriodCounts counts, double alpha)
    {
        var periodWeights = history.Select(h => h.Weights.AlignTo(variantIds)).ToList();
        var shares = new double[variantIds.Count];
        var periods = new List<WeightPeriodExposure>();
        long total = 0;
        double combined = 0;
        var degrees = 0;
        var infinite = false;
        for (var p = 0; p < history.Count; p++)
        {
            var exposed = new long[variantIds.Count];
            for (var v = 0; v < variantIds.Count; v++) exposed[v] = counts.Exposed(p, v);
            var inPeriod = exposed.Sum();
            total += inPeriod;
            for (var v = 0; v < variantIds.Count; v++) shares[v] += inPeriod * periodWeights[p][v];
            var test = FrequentistMethods.ChiSquareGoodnessOfFit(exposed, periodWeights[p]);
            if (test is not null)
            {
                if (double.IsFinite(test.Statistic)) combined += test.Statistic;
                else infinite = true;
                degrees += (int)(test.DegreesOfFreedom ?? 0);
            }
            periods.Add(new WeightPeriodExposure(history[p].EffectiveFrom, history[p].Weights, exposed)
            {
                ChiSquare = test is { Statistic: var chi } && double.IsFinite(chi) ? chi : null,
                PValue = test?.PValue,
            });
        }
        var expected = total == 0 ? periodWeights[^1] : shares.Select(s => s / total).ToArray();
        var observed = summary.Variants.Select(v => v.ExposedUsers).ToArray();
        double? pValue = degrees == 0 ? null : infinite ? 0 : ChiSquareDistribution.SurvivalFunction(combined, degrees);
        // An infinite statistic (users where none were expected) has no JSON form; its p-value of 0 says it all.
        double? chiSquare = degrees == 0 || infinite ? null : combined;
        return new SampleRatioCheck(observed, expected, chiSquare, degrees, pValue, alpha, pValue is { } pv && pv < alpha, periods);
    }
}
