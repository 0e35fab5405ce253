using Serverless.Experiments.Events;

namespace Serverless.Experiments.Aggregation;

/// <summary>
/// The figures of one variant, derived from the per-user state. Users count once however many events they sent.
/// Conversions and values count towards the metrics only when they come at or after the user's first exposure to this
/// variant (by event time); a conversion (or value) from a user never exposed to it is reported separately as a
/// data-quality figure, because it cannot have been caused by the variant (usually a lost exposure event or an
/// assignment bug).
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
    /// <summary>Exposed users whose conversions all came before their first exposure (not counted as converting).</summary>
    public long ConvertingUsersOnlyBeforeExposure { get; init; }

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
    int AppliedPartitions,
    DedupeStatus? Dedupe = null,
    long ValuesDroppedBeforeExposure = 0)
{
    /// <summary>
    /// The summary of a whole experiment from its shards' summaries: counts add up (a user lives in one shard), means and
    /// variances combine by Chan's pairwise formula, first and last events by minimum and maximum, dedupe sizes add up.
    /// </summary>
    public static AggregateSummary Merge(IReadOnlyList<AggregateSummary> shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        if (shards.Count == 1) return shards[0];
        if (shards.Count == 0) throw new ArgumentException("no summaries to merge", nameof(shards));
        var variants = new List<VariantAggregate>();
        for (var v = 0; v < shards[0].Variants.Count; v++)
        {
            var parts = shards.Select(s => s.Variants[v]).ToList();
            var exposed = parts.Sum(p => p.ExposedUsers);
            double mean = 0, m2 = 0;
            long n = 0;
            foreach (var p in parts.Where(p => p.ExposedUsers > 0))
            {
                var partMean = p.ValueMean ?? 0;
                var partM2 = (p.ValueVariance ?? 0) * (p.ExposedUsers - 1);
                var total = n + p.ExposedUsers;
                var delta = partMean - mean;
                mean += delta * p.ExposedUsers / total;
                m2 += partM2 + delta * delta * n * p.ExposedUsers / total;
                n = total;
            }
            var firsts = parts.Where(p => p.FirstEvent is not null).Select(p => p.FirstEvent!.Value).ToList();
            var lasts = parts.Where(p => p.LastEvent is not null).Select(p => p.LastEvent!.Value).ToList();
            variants.Add(new VariantAggregate(parts[0].VariantId, exposed, parts.Sum(p => p.ConvertingUsers), parts.Sum(p => p.ClickingUsers),
                parts.Sum(p => p.ExposureEvents), parts.Sum(p => p.ClickEvents), parts.Sum(p => p.ConversionEvents), parts.Sum(p => p.ValueEvents),
                parts.Sum(p => p.ValueSum), parts.Sum(p => p.ValueSumOfSquares), exposed == 0 ? null : mean, exposed >= 2 ? m2 / (exposed - 1) : null,
                parts.Sum(p => p.ConvertingUsersWithoutExposure), parts.Sum(p => p.ValueUsersWithoutExposure),
                firsts.Count == 0 ? null : firsts.Min(), lasts.Count == 0 ? null : lasts.Max())
            {
                ConvertingUsersOnlyBeforeExposure = parts.Sum(p => p.ConvertingUsersOnlyBeforeExposure),
            });
        }
        var dedupes = shards.Select(s => s.Dedupe).Where(d => d is not null).Select(d => d!).ToList();
        DedupeStatus? dedupe = dedupes.Count == 0 ? null : new DedupeStatus(
            dedupes.Sum(d => d.Entries), dedupes.Sum(d => d.CapacityEntries), dedupes.Sum(d => d.MemoryBytes),
            dedupes.Max(d => d.Horizon), dedupes.Max(d => d.Watermark), dedupes.Sum(d => d.DuplicatesSkipped), dedupes.Sum(d => d.Conflicts),
            dedupes.Sum(d => d.BeyondHorizon), dedupes.Sum(d => d.Forgotten), dedupes.Sum(d => d.Segments));
        return new AggregateSummary(shards[0].ExperimentId, variants, shards.Sum(s => s.DistinctUsers), shards.Sum(s => s.UsersInMoreThanOneVariant),
            shards.Sum(s => s.AppliedContentBatches), shards.Max(s => s.AppliedPartitions), dedupe, shards.Sum(s => s.ValuesDroppedBeforeExposure));
    }
}

/// <summary>What applying a batch did.</summary>
public enum ApplyOutcome
{
    /// <summary>Every event of the batch for this experiment was new and is now counted.</summary>
    Applied,

    /// <summary>Some events were new, others (by Event Hubs sequence number) were already counted and were skipped.</summary>
    PartlyApplied,

    /// <summary>The batch was applied before (by its identity); nothing changed.</summary>
    AlreadyApplied,

    /// <summary>A batch not seen before, but every event in it was counted before (by eventId): re-batched or replayed events.</summary>
    AlreadyCounted,
}

/// <summary>An accepted event the aggregate refused to count: its index in the batch, and why (the host quarantines it).</summary>
public sealed record RejectedEvent(int EventIndex, QuarantineReason Reason, string Message);

/// <param name="EventsSkippedAsDuplicates">Events counted before: by Event Hubs sequence number, by eventId, or the whole batch by its identity.</param>
/// <param name="Rejected">Events refused: an eventId reused with other content, or older than the dedupe horizon.</param>
public sealed record BatchApplyResult(
    string ExperimentId, string BatchIdentity, ApplyOutcome Outcome, int EventsApplied, int EventsSkippedAsDuplicates, IReadOnlyList<RejectedEvent> Rejected)
{
    /// <summary>False when the state is unchanged and need not be written back.</summary>
    public bool Changed => Outcome != ApplyOutcome.AlreadyApplied;
}
