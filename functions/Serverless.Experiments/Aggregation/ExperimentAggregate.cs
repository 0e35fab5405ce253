using System.Buffers;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Serverless.Experiments.Definitions;
using Serverless.Experiments.Events;

namespace Serverless.Experiments.Aggregation;

/// <summary>Per-variant event counters; also merged by sums, minimum and maximum only.</summary>
internal sealed class VariantCounters
{
    public readonly long[] EventsByType = new long[3];
    public long ValueEvents;
    public long FirstTicks = long.MaxValue;
    public long LastTicks = long.MinValue;
}

/// <summary>
/// The aggregate state of one experiment: per-user, per-variant state, per-variant counters and the ledger of
/// applied batches. Applying the same set of batches in any order, any number of times, yields the same state and
/// the same JSON bytes: every update is an OR, an integer sum, a minimum or a maximum, values are fixed-point
/// integers, and serialisation sorts users and batch identities. Not thread-safe: one writer per experiment, which the
/// host's ETag on the stored state enforces anyway.
/// </summary>
public sealed partial class ExperimentAggregate
{
    private readonly string[] _variantIds;
    private readonly VariantCounters[] _counters;
    private readonly UserStateTable _users = new();

    private ExperimentAggregate(string experimentId, IReadOnlyList<string> variantIds)
    {
        ExperimentId = experimentId;
        _variantIds = variantIds.ToArray();
        _counters = _variantIds.Select(_ => new VariantCounters()).ToArray();
    }

    public string ExperimentId { get; }

    public IReadOnlyList<string> VariantIds => _variantIds;

    public AppliedBatchLedger AppliedBatches { get; } = new();

    /// <summary>Distinct users seen in any variant.</summary>
    public int DistinctUsers => _users.Count;

    /// <summary>An empty aggregate for a new experiment.</summary>
    public static ExperimentAggregate Create(ExperimentDefinition definition) =>
        new(definition.Id, definition.Variants.Select(v => v.Id).ToList());

    /// <summary>
    /// Applies this experiment's events of <paramref name="batch"/> exactly once. A batch applied before changes
    /// nothing and says so; for Event Hubs batches, events whose sequence numbers were applied before are skipped,
    /// so a re-cut re-delivery counts only what is new.
    /// </summary>
    public BatchApplyResult Apply(EventBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var identity = batch.Identity;
        if (AppliedBatches.IsFullyApplied(identity))
        {
            return new BatchApplyResult(ExperimentId, identity.Key, ApplyOutcome.AlreadyApplied, 0, CountEvents(batch));
        }

        var experimentIndex = batch.Catalog.IndexOf(ExperimentId);
        if (experimentIndex >= 0) EnsureSameVariants(batch.Catalog.Experiments[experimentIndex]);
        var checkSequences = AppliedBatches.OverlapsAny(identity);
        int applied = 0, skipped = 0;
        if (experimentIndex >= 0) ApplyEvents(batch, experimentIndex, checkSequences ? identity.PartitionId : null, ref applied, ref skipped);
        AppliedBatches.Record(identity);
        return new BatchApplyResult(ExperimentId, identity.Key, skipped > 0 ? ApplyOutcome.PartlyApplied : ApplyOutcome.Applied, applied, skipped);
    }

    /// <summary>The per-variant figures and data-quality counts.</summary>
    public AggregateSummary Summarize()
    {
        var variants = new VariantAggregate[_variantIds.Length];
        for (var v = 0; v < _variantIds.Length; v++) variants[v] = SummarizeVariant(v);
        return new AggregateSummary(ExperimentId, variants, _users.Count, _users.UsersInSeveralVariants, AppliedBatches.ContentHashes.Count, AppliedBatches.Partitions.Count);
    }

    /// <summary>
    /// Exposed users per weight period and variant: <c>[period, variant]</c>, each user counted in the period of their
    /// first exposure. <paramref name="periodStartTicks"/> must be ascending; exposures before the first start count in period 0.
    /// </summary>
    internal long[,] ExposedUsersByPeriod(IReadOnlyList<long> periodStartTicks)
    {
        var counts = new long[Math.Max(1, periodStartTicks.Count), _variantIds.Length];
        for (var slot = 0; slot < _users.Count; slot++)
        {
            for (var v = 0; v < _variantIds.Length; v++)
            {
                var s = _users.Get(slot, v);
                if ((s.Flags & UserFlags.Exposed) == 0) continue;
                counts[PeriodOf(periodStartTicks, s.FirstExposureTicks), v]++;
            }
        }
        return counts;
    }

    /// <summary>SHA-256 of the canonical JSON: the data hash that statistics and allocations record in their manifests.</summary>
    public string ComputeHash() => Convert.ToHexStringLower(SHA256.HashData(ToUtf8Json()));

    private static int PeriodOf(IReadOnlyList<long> starts, long ticks)
    {
        int lo = 0, hi = starts.Count - 1, found = 0;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (starts[mid] <= ticks)
            {
                found = mid;
                lo = mid + 1;
            }
            else hi = mid - 1;
        }
        return found;
    }

    private int CountEvents(EventBatch batch)
    {
        var index = batch.Catalog.IndexOf(ExperimentId);
        var count = 0;
        foreach (ref readonly var e in batch.AcceptedEvents)
        {
            if (e.ExperimentIndex == index) count++;
        }
        return count;
    }

    private void EnsureSameVariants(ExperimentDefinition definition)
    {
        var ids = definition.Variants.Select(v => v.Id);
        if (!ids.SequenceEqual(_variantIds, StringComparer.Ordinal))
        {
            throw new InvalidOperationException(
                $"the aggregate of experiment '{ExperimentId}' has variants [{string.Join(", ", _variantIds)}] but the definition now has " +
                $"[{string.Join(", ", ids)}]; variants cannot change while an experiment runs");
        }
    }

    /// <summary>How many events ahead the user table is asked to fetch (twice this for the bucket).</summary>
    private const int PrefetchDistance = 8;

    private void ApplyEvents(EventBatch batch, int experimentIndex, string? skipAppliedInPartition, ref int applied, ref int skipped)
    {
        var events = batch.AcceptedEvents;
        var arena = batch.Arena;
        // This experiment's events and their user hashes first, so lookups can be prefetched ahead of use.
        var positions = ArrayPool<int>.Shared.Rent(events.Length);
        var hashes = ArrayPool<int>.Shared.Rent(events.Length);
        try
        {
            var count = 0;
            for (var i = 0; i < events.Length; i++)
            {
                ref readonly var e = ref events[i];
                if (e.ExperimentIndex != experimentIndex) continue;
                if (skipAppliedInPartition is not null && AppliedBatches.Covers(skipAppliedInPartition, e.SequenceNumber))
                {
                    skipped++;
                    continue;
                }
                positions[count] = i;
                hashes[count++] = UserStateTable.Hash(arena.Slice(e.UserOffset, e.UserLength));
            }
            for (var k = 0; k < count; k++)
            {
                if (k + 2 * PrefetchDistance < count) _users.PrefetchBucket(hashes[k + 2 * PrefetchDistance]);
                if (k + PrefetchDistance < count) _users.PrefetchRecord(hashes[k + PrefetchDistance]);
                ref readonly var e = ref events[positions[k]];
                ApplyEvent(e, arena.Slice(e.UserOffset, e.UserLength), hashes[k]);
            }
            applied += count;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(positions);
            ArrayPool<int>.Shared.Return(hashes);
        }
    }

    private void ApplyEvent(in AcceptedEvent e, ReadOnlySpan<byte> user, int userHash)
    {
        ref var state = ref _users.StateOf(_users.FindOrAdd(user, userHash), e.VariantIndex);
        switch (e.Type)
        {
            case EventType.Exposure:
                if ((state.Flags & UserFlags.Exposed) == 0 || e.TimestampTicks < state.FirstExposureTicks) state.FirstExposureTicks = e.TimestampTicks;
                state.Flags |= UserFlags.Exposed;
                break;
            case EventType.Click:
                state.Flags |= UserFlags.Clicked;
                break;
            case EventType.Conversion:
                state.Flags |= UserFlags.Converted;
                break;
        }

        var counters = _counters[e.VariantIndex];
        if (e.HasValue)
        {
            state.Flags |= UserFlags.HasValue;
            var sum = state.ValueMicros + e.ValueMicros;
            // Overflow when both operands share a sign the sum does not have; no try block on the hot path.
            if (((state.ValueMicros ^ sum) & (e.ValueMicros ^ sum)) < 0) ThrowValueOverflow(e.VariantIndex, user);
            state.ValueMicros = sum;
            counters.ValueEvents++;
        }
        counters.EventsByType[(int)e.Type]++;
        if (e.TimestampTicks < counters.FirstTicks) counters.FirstTicks = e.TimestampTicks;
        if (e.TimestampTicks > counters.LastTicks) counters.LastTicks = e.TimestampTicks;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowValueOverflow(int variant, ReadOnlySpan<byte> user) => throw new InvalidOperationException(
        $"experiment '{ExperimentId}', variant '{_variantIds[variant]}', user '{Encoding.UTF8.GetString(user)}': the value sum overflows");

    private VariantAggregate SummarizeVariant(int v)
    {
        long exposed = 0, converting = 0, clicking = 0, convertingUnexposed = 0, valueUnexposed = 0;
        Int128 sum = 0, sumOfSquares = 0;
        for (var slot = 0; slot < _users.Count; slot++)
        {
            var s = _users.Get(slot, v);
            if (s.Flags == UserFlags.None) continue;
            if ((s.Flags & UserFlags.Exposed) != 0)
            {
                exposed++;
                if ((s.Flags & UserFlags.Converted) != 0) converting++;
                if ((s.Flags & UserFlags.Clicked) != 0) clicking++;
                sum += s.ValueMicros;
                sumOfSquares = checked(sumOfSquares + (Int128)s.ValueMicros * s.ValueMicros);
            }
            else
            {
                if ((s.Flags & UserFlags.Converted) != 0) convertingUnexposed++;
                if ((s.Flags & UserFlags.HasValue) != 0) valueUnexposed++;
            }
        }

        const double scale = EventBatch.ValueScale;
        double? mean = exposed == 0 ? null : (double)sum / scale / exposed;
        double? variance = null;
        if (exposed >= 2)
        {
            // n*Q - S^2 exactly, then one rounding: no cancellation however large the mean.
            var numerator = exposed * (BigInteger)sumOfSquares - (BigInteger)sum * sum;
            variance = (double)numerator / ((double)exposed * (exposed - 1)) / (scale * scale);
        }
        var counters = _counters[v];
        return new VariantAggregate(
            _variantIds[v], exposed, converting, clicking,
            counters.EventsByType[(int)EventType.Exposure], counters.EventsByType[(int)EventType.Click], counters.EventsByType[(int)EventType.Conversion],
            counters.ValueEvents, (double)sum / scale, (double)sumOfSquares / (scale * scale), mean, variance,
            convertingUnexposed, valueUnexposed,
            counters.FirstTicks == long.MaxValue ? null : new DateTimeOffset(counters.FirstTicks, TimeSpan.Zero),
            counters.LastTicks == long.MinValue ? null : new DateTimeOffset(counters.LastTicks, TimeSpan.Zero));
    }
}
