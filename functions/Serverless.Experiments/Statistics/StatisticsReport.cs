using Serverless.Experiments.Allocation;
using Serverless.Experiments.Definitions;

namespace Serverless.Experiments.Statistics;

/// <summary>Which test decides whether a difference is significant.</summary>
public enum InferenceMode
{
    /// <summary>Always-valid p-values and confidence sequences (mSPRT): safe to look after every batch.</summary>
    Sequential,

    /// <summary>Classic tests, valid only when looked at once, at a sample size fixed in advance.</summary>
    FixedHorizon,
}

/// <summary>Knobs of the statistics; every value is recorded in the report's manifest.</summary>
public sealed record StatisticsOptions
{
    public double ConfidenceLevel { get; init; } = 0.95;

    /// <summary>Statistics are recomputed on a cadence, which means repeated looks: sequential by default.</summary>
    public InferenceMode Inference { get; init; } = InferenceMode.Sequential;

    /// <summary>N*: the total sample size at which the confidence sequence is tightest (GrowthBook's default is 5,000).</summary>
    public double SequentialTuningSampleSize { get; init; } = 5_000;

    /// <summary>Monte Carlo draws for probability-best and expected loss.</summary>
    public int MonteCarloDraws { get; init; } = 50_000;

    public ulong Seed { get; init; } = 20_261_123;

    /// <summary>A sample-ratio p-value below this flags a mismatch.</summary>
    public double SampleRatioAlpha { get; init; } = 0.001;
}

/// <summary>
/// One variant's figures. <see cref="Estimate"/> is the conversion rate or the mean value per exposed user, stratified by
/// allocation period (<see cref="PeriodStratifiedEstimator"/>; with one period it is the plain rate or mean); the lift and
/// tests compare against the control and are null for the control itself. <see cref="TestVersusControl"/> is the
/// fixed-horizon test, <see cref="Sequential"/> the always-valid one; <see cref="Significant"/> follows the report's
/// <see cref="StatisticsReport.Inference"/>.
/// </summary>
public sealed record VariantStatistics(
    string VariantId,
    bool IsControl,
    long ExposedUsers,
    long ConvertingUsers,
    double? Estimate,
    double? StandardError,
    Interval? EstimateInterval,
    LiftEstimate? LiftVersusControl,
    TestResult? TestVersusControl,
    double ProbabilityBest,
    double? ExpectedLoss)
{
    /// <summary>All the variant's users together regardless of period: biased when weights moved while base rates drifted; shown for comparison.</summary>
    public double? PooledEstimate { get; init; }

    /// <summary>Estimate minus the control's, with the fixed-horizon interval.</summary>
    public EffectEstimate? EffectVersusControl { get; init; }

    /// <summary>The always-valid p-value and confidence sequence of <see cref="EffectVersusControl"/>.</summary>
    public SequentialResult? Sequential { get; init; }

    /// <summary>Whether the difference from the control is significant under the report's inference mode.</summary>
    public bool? Significant { get; init; }
}

/// <summary>An absolute difference against the control with its standard error and fixed-horizon interval.</summary>
public sealed record EffectEstimate(double Effect, double StandardError, Interval Interval);

/// <summary>
/// Exposed users per variant whose first exposure fell while <see cref="Weights"/> were in force, and the sample-ratio
/// test of that period against those weights (null when the period has too few users to test).
/// </summary>
public sealed record WeightPeriodExposure(DateTimeOffset EffectiveFrom, AllocationWeights Weights, IReadOnlyList<long> ExposedUsers)
{
    public double? ChiSquare { get; init; }

    public double? PValue { get; init; }
}

/// <summary>
/// Sample-ratio check, run per allocation period against that period's own weights (a user counts in the period of their
/// first exposure), and combined: the per-period chi-square statistics and degrees of freedom add up (periods are
/// independent), and <see cref="PValue"/> is that sum's. <see cref="ExpectedShares"/> is the exposure-weighted average of
/// the weights, for display. <see cref="ChiSquare"/> is null when there is nothing to test, or when users arrived where
/// none were expected (then the p-value is 0).
/// </summary>
public sealed record SampleRatioCheck(
    IReadOnlyList<long> ObservedUsers,
    IReadOnlyList<double> ExpectedShares,
    double? ChiSquare,
    int DegreesOfFreedom,
    double? PValue,
    double Alpha,
    bool Mismatch,
    IReadOnlyList<WeightPeriodExposure> Periods);

/// <summary>Figures that do not enter the metrics but say whether the data can be trusted.</summary>
public sealed record DataQuality(long ConvertingUsersWithoutExposure, long ValueUsersWithoutExposure, long UsersInMoreThanOneVariant)
{
    /// <summary>Exposed users whose every conversion came before their first exposure (not counted as converting).</summary>
    public long ConvertingUsersOnlyBeforeExposure { get; init; }
}

public sealed record StatisticsReport(
    string ExperimentId,
    PrimaryMetric Metric,
    string ControlVariantId,
    IReadOnlyList<VariantStatistics> Variants,
    SampleRatioCheck SampleRatio,
    DataQuality DataQuality,
    ArtifactManifest Manifest)
{
    public InferenceMode Inference { get; init; } = InferenceMode.Sequential;

    /// <summary>Strata the estimates were built from (allocation periods, neighbours merged where a variant lacked users).</summary>
    public int Strata { get; init; } = 1;
}
