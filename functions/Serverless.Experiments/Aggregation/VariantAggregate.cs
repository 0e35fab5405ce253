namespace Serverless.Experiments.Aggregation;

/// <summary>
/// The figures of one variant, derived from the per-user state. Users count once however many events they sent.
/// Conversions and values count towards the metrics only for users exposed to this variant; a conversion (or value)
/// from a user never exposed to it is reported separately as a data-quality figure, because it cannot have been
/// caused by the variant (usually a lost exposure event or an assignment bug).
/// </summary>
public sealed record VariantAggregate(
    string VariantId,
    long ExposedUsers,
    long ConvertingUsers,
    long ClickingUsers,
    long ExposureEvents,
    long ClickEvents,
    long ConversionEvents,
    long ValueEvents,
    double ValueSum,
    double ValueSumOfSquares,
    double? ValueMean,
    double? ValueVariance,
    long ConvertingUsersWithoutExposure,
    long ValueUsersWithoutExposure,
    DateTimeOffset? FirstEvent,
    DateTimeOffset? LastEvent)
{
    /// <summary>Converting users per exposed user; null before any exposure.</summary>
    public double? ConversionRate => ExposedUsers == 0 ? null : (double)ConvertingUsers / ExposedUsers;
}

/// <summary>All variants of an experiment, plus experiment-level data quality.</summary>
public sealed record AggregateSummary(
    string ExperimentId,
    IReadOnlyList<VariantAggregate> Variants,
    long DistinctUsers,
    long UsersInMoreThanOneVariant,
    int AppliedContentBatches,
    int AppliedPartitions);

/// <summary>What applying a batch did.</summary>
public enum ApplyOutcome
{
    /// <summary>Every event of the batch for this experiment was new and is now counted.</summary>
    Applied,

    /// <summary>Some events were new, others (by Event Hubs sequence number) were already counted and were skipped.</summary>
    PartlyApplied,

    /// <summary>The batch was applied before; nothing changed.</summary>
    AlreadyApplied,
}

public sealed record BatchApplyResult(string ExperimentId, string BatchIdentity, ApplyOutcome Outcome, int EventsApplied, int EventsSkippedAsDuplicates)
{
    /// <summary>False when the state is unchanged and need not be written back.</summary>
    public bool Changed => Outcome != ApplyOutcome.AlreadyApplied;
}
