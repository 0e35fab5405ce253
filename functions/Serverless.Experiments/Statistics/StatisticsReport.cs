using Serverless.Experiments.Allocation;
using Serverless.Experiments.Definitions;

namespace Serverless.Experiments.Statistics;

/// <summary>Knobs of the statistics; every value is recorded in the report's manifest.</summary>
public sealed record StatisticsOptions
{
    public double ConfidenceLevel { get; init; } = 0.95;

    /// <summary>Monte Carlo draws for probability-best and expected loss.</summary>
    public int MonteCarloDraws { get; init; } = 50_000;

    public ulong Seed { get; init; } = 20_261_123;

    /// <summary>A sample-ratio p-value below this flags a mismatch.</summary>
    public double SampleRatioAlpha { get; init; } = 0.001;
}

/// <summary>
/// One variant's figures. <see cref="Estimate"/> is the conversion rate or the mean value per exposed user;
/// the lift and test compare against the control and are null for the control itself.
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
    double? ExpectedLoss);

/// <summary>Exposed users per variant whose first exposure fell while <see cref="Weights"/> were in force.</summary>
public sealed record WeightPeriodExposure(DateTimeOffset EffectiveFrom, AllocationWeights Weights, IReadOnlyList<long> ExposedUsers);

/// <summary>
/// Sample-ratio check: exposed users against the expected shares, which are the exposure-weighted average of the
/// weights in force (each period's weights times the users first exposed in it). <see cref="ChiSquare"/> is null when
/// there is nothing to test, or when users arrived where none were expected (then the p-value is 0).
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
public sealed record DataQuality(long ConvertingUsersWithoutExposure, long ValueUsersWithoutExposure, long UsersInMoreThanOneVariant);

public sealed record StatisticsReport(
    string ExperimentId,
    PrimaryMetric Metric,
    string ControlVariantId,
    IReadOnlyList<VariantStatistics> Variants,
    SampleRatioCheck SampleRatio,
    DataQuality DataQuality,
    ArtifactManifest Manifest);
