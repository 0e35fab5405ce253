using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Serverless.Experiments.Aggregation;
using Serverless.Experiments.Allocation;
using Serverless.Experiments.Definitions;
using Serverless.Experiments.Serialization;

namespace Serverless.Experiments.Statistics;

/// <summary>Computes the statistics of one experiment from its aggregates in one call.</summary>
public static class ExperimentStatistics
{
    public static StatisticsReport Compute(
        ExperimentDefinition definition, ExperimentAggregate aggregate, AllocationState? allocation, DateTimeOffset now, StatisticsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(aggregate);
        options ??= new StatisticsOptions();
        allocation ??= AllocationState.Initial(definition);
        var variantIds = definition.Variants.Select(v => v.Id).ToList();
        if (aggregate.ExperimentId != definition.Id || !aggregate.VariantIds.SequenceEqual(variantIds, StringComparer.Ordinal))
        {
            throw new ArgumentException($"the aggregate ({aggregate.ExperimentId}: {string.Join(", ", aggregate.VariantIds)}) does not match the definition ({definition.Id}: {string.Join(", ", variantIds)})", nameof(aggregate));
        }
        if (allocation.ExperimentId != definition.Id) throw new ArgumentException($"the allocation is for '{allocation.ExperimentId}', not '{definition.Id}'", nameof(allocation));

        var summary = aggregate.Summarize();
        var variants = definition.PrimaryMetric == PrimaryMetric.Conversion
            ? ConversionStatistics(definition, summary, options)
            : ValueStatistics(definition, summary, options);
        var sampleRatio = SampleRatio(variantIds, aggregate, summary, allocation, options.SampleRatioAlpha);
        var quality = new DataQuality(
            summary.Variants.Sum(v => v.ConvertingUsersWithoutExposure),
            summary.Variants.Sum(v => v.ValueUsersWithoutExposure),
            summary.UsersInMoreThanOneVariant);

        var parameters = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["experiment"] = definition.Id,
            ["metric"] = definition.PrimaryMetric.ToString(),
            ["confidenceLevel"] = options.ConfidenceLevel.ToString("R", CultureInfo.InvariantCulture),
            ["monteCarloDraws"] = options.MonteCarloDraws.ToString(CultureInfo.InvariantCulture),
            ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
            ["sampleRatioAlpha"] = options.SampleRatioAlpha.ToString("R", CultureInfo.InvariantCulture),
            ["methods"] = definition.PrimaryMetric == PrimaryMetric.Conversion
                ? "Wilson score interval; lift log-ratio (Katz) interval; two-proportion pooled z-test; Beta(1+x,1+n-x) Monte Carlo; chi-square SRM"
                : "Student-t interval; lift log-ratio delta-method interval; Welch t-test; normal-approximation Monte Carlo; chi-square SRM",
        };
        var manifest = new ArtifactManifest("experiment-statistics", ArtifactManifest.CurrentCodeVersion, DataHash(aggregate, allocation), parameters, now);
        return new StatisticsReport(definition.Id, definition.PrimaryMetric, definition.ControlVariantId, variants, sampleRatio, quality, manifest);
    }

    /// <summary>SHA-256 over the canonical aggregate JSON and the allocation JSON: the inputs of the statistics.</summary>
    internal static string DataHash(ExperimentAggregate aggregate, AllocationState allocation)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(aggregate.ToUtf8Json());
        hash.AppendData("\n"u8);
        hash.AppendData(JsonSerializer.SerializeToUtf8Bytes(allocation, ExperimentsJsonContext.Default.AllocationState));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static List<VariantStatistics> ConversionStatistics(ExperimentDefinition definition, AggregateSummary summary, StatisticsOptions options)
    {
        var control = summary.Variants[definition.ControlIndex];
        var bayes = BayesianComparison.ForConversions(
            summary.Variants.Select(v => (v.ConvertingUsers, v.ExposedUsers)).ToList(), options.MonteCarloDraws, options.Seed);
        double? Se(VariantAggregate v) => v.ExposedUsers == 0 ? null : Math.Sqrt(v.ConversionRate!.Value * (1 - v.ConversionRate.Value) / v.ExposedUsers);

        var result = new List<VariantStatistics>();
        for (var i = 0; i < summary.Variants.Count; i++)
        {
            var v = summary.Variants[i];
            var isControl = i == definition.ControlIndex;
            LiftEstimate? lift = null;
            TestResult? test = null;
            if (!isControl && v.ExposedUsers > 0 && control.ExposedUsers > 0)
            {
                lift = FrequentistMethods.RelativeLift(v.ConversionRate!.Value, Se(v)!.Value, control.ConversionRate!.Value, Se(control)!.Value, options.ConfidenceLevel);
                test = FrequentistMethods.TwoProportionZTest(control.ConvertingUsers, control.ExposedUsers, v.ConvertingUsers, v.ExposedUsers);
            }
            result.Add(new VariantStatistics(v.VariantId, isControl, v.ExposedUsers, v.ConvertingUsers, v.ConversionRate, Se(v),
                FrequentistMethods.WilsonInterval(v.ConvertingUsers, v.ExposedUsers, options.ConfidenceLevel),
                lift, test, bayes.ProbabilityBest[i], bayes.ExpectedLoss[i]));
        }
        return result;
    }

    private static List<VariantStatistics> ValueStatistics(ExperimentDefinition definition, AggregateSummary summary, StatisticsOptions options)
    {
        var control = summary.Variants[definition.ControlIndex];
        double? Se(VariantAggregate v) => v.ValueVariance is { } variance ? Math.Sqrt(variance / v.ExposedUsers) : null;

        // Without two users per variant there is no standard error: no posterior to draw from, so no preference.
        BayesianFigures? bayes = summary.Variants.All(v => Se(v) is not null)
            ? BayesianComparison.ForMeans(summary.Variants.Select(v => (v.ValueMean!.Value, Se(v)!.Value)).ToList(), options.MonteCarloDraws, options.Seed)
            : null;

        var result = new List<VariantStatistics>();
        for (var i = 0; i < summary.Variants.Count; i++)
        {
            var v = summary.Variants[i];
            var isControl = i == definition.ControlIndex;
            LiftEstimate? lift = null;
            TestResult? test = null;
            if (!isControl && Se(v) is { } se && Se(control) is { } controlSe)
            {
                lift = FrequentistMethods.RelativeLift(v.ValueMean!.Value, se, control.ValueMean!.Value, controlSe, options.ConfidenceLevel);
                test = FrequentistMethods.WelchTTest(control.ValueMean.Value, control.ValueVariance!.Value, control.ExposedUsers,
                    v.ValueMean.Value, v.ValueVariance!.Value, v.ExposedUsers);
            }
            var interval = v.ValueMean is { } mean && v.ValueVariance is { } variance
                ? FrequentistMethods.MeanInterval(mean, variance, v.ExposedUsers, options.ConfidenceLevel)
                : null;
            result.Add(new VariantStatistics(v.VariantId, isControl, v.ExposedUsers, v.ConvertingUsers, v.ValueMean, Se(v), interval,
                lift, test, bayes?.ProbabilityBest[i] ?? 1.0 / summary.Variants.Count, bayes?.ExpectedLoss[i]));
        }
        return result;
    }

    private static SampleRatioCheck SampleRatio(
        IReadOnlyList<string> variantIds, ExperimentAggregate aggregate, AggregateSummary summary, AllocationState allocation, double alpha)
    {
        var history = allocation.History.OrderBy(h => h.EffectiveFrom).ToList();
        var periodWeights = history.Select(h => h.Weights.AlignTo(variantIds)).ToList();
        var byPeriod = aggregate.ExposedUsersByPeriod(history.Select(h => h.EffectiveFrom.UtcTicks).ToList());

        var shares = new double[variantIds.Count];
        var periods = new List<WeightPeriodExposure>();
        long total = 0;
        for (var p = 0; p < history.Count; p++)
        {
            var exposed = new long[variantIds.Count];
            for (var v = 0; v < variantIds.Count; v++) exposed[v] = byPeriod[p, v];
            var inPeriod = exposed.Sum();
            total += inPeriod;
            for (var v = 0; v < variantIds.Count; v++) shares[v] += inPeriod * periodWeights[p][v];
            periods.Add(new WeightPeriodExposure(history[p].EffectiveFrom, history[p].Weights, exposed));
        }
        var expected = total == 0 ? periodWeights[^1] : shares.Select(s => s / total).ToArray();
        var observed = summary.Variants.Select(v => v.ExposedUsers).ToArray();
        var test = FrequentistMethods.ChiSquareGoodnessOfFit(observed, expected);
        // An infinite statistic (users where none were expected) has no JSON form; its p-value of 0 says it all.
        double? chiSquare = test is { Statistic: var chi } && double.IsFinite(chi) ? chi : null;
        return new SampleRatioCheck(observed, expected, chiSquare, (int)(test?.DegreesOfFreedom ?? 0), test?.PValue, alpha,
            test is not null && test.PValue < alpha, periods);
    }
}
