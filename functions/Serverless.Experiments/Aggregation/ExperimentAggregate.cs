using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Numerics;
using System.Runtime.InteropServices;
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

/// <summary>A value from before the user's first exposure (as known so far): it counts if an earlier exposure turns up.</summary>
internal readonly record struct PendingValue(long Ticks, long Micros);

/// <summary>Bounds of one aggregate's exactly-once state.</summary>
/// <param name="LedgerMaxContentBatches">Most content batch identities remembered (the cheap first check; eventIds decide).</param>
public sealed record AggregateOptions(DedupeOptions Dedupe, int LedgerMaxContentBatches = 100_000)
{
    public static readonly AggregateOptions Default = new(DedupeOptions.Default);
}

/// <summary>
/// The aggregate state of one experiment, or of one shard of it (users split by a stable hash of their id): per-user,
/// per-variant state, per-variant counters, the ledger of applied batches and the eventIds counted. Every event is counted
/// once whatever batches it arrives in: a batch applied before is recognised by its identity (cheap), any event seen before
/// by its eventId (<see cref="EventDeduplicator"/>). Applying the same events in any order and any batching gives the same
/// figures: every update is an OR, an integer sum, a minimum or a maximum, and values are fixed-point integers. Not
/// thread-safe: one writer per shard.
/// </summary>
public sealed partial class ExperimentAggregate
{
    /// <summary>Most values kept per user and variant while no exposure precedes them; more are dropped and counted.</summary>
    internal const int MaxPendingValues = 16;

    private readonly string[] _variantIds;
    private readonly VariantCounters[] _counters;
    private readonly UserStateTable _users = new();
    private readonly Dictionary<long, List<PendingValue>> _pendingValues = [];
    private long _droppedPendingValues;

    private ExperimentAggregate(string experimentId, IReadOnlyList<string> variantIds, int shard, int shardCount, AggregateOptions options)
    {
        if (shardCount < 1 || shard < 0 || shard >= shardCount) throw new ArgumentOutOfRangeException(nameof(shard), $"shard {shard} of {shardCount}");
        ExperimentId = experimentId;
        _variantIds = variantIds.ToArray();
        _counters = _variantIds.Select(_ => new VariantCounters()).ToArray();
        Shard = shard;
        ShardCount = shardCount;
        Options = options;
        AppliedBatches = new AppliedBatchLedger(options.LedgerMaxContentBatches);
        Dedupe = new EventDeduplicator(options.Dedupe);
    }

    public string ExperimentId { get; }

    public IReadOnlyList<string> VariantIds => _variantIds;

    /// <summary>Which part of the experiment's users this aggregate holds (0 of 1: all of them).</summary>
    public int Shard { get; }

    public int ShardCount { get; }

    public AggregateOptions Options { get; }

    public AppliedBatchLedger AppliedBatches { get; }

    public EventDeduplicator Dedupe { get; }

    /// <summary>Distinct users seen in any variant.</summary>
    public int DistinctUsers => _users.Count;

    /// <summary>Events counted (exposures, clicks, conversions), without summarising the users.</summary>
    public long TotalEvents => _counters.Sum(c => c.EventsByType.Sum());

    /// <summary>An empty aggregate for a new experiment (or one shard of it).</summary>
    public static ExperimentAggregate Create(ExperimentDefinition definition, int shard = 0, int shardCount = 1, AggregateOptions? options = null) =>
        new(definition.Id, definition.Variants.Select(v => v.Id).ToList(), shard, shardCount, options ?? AggregateOptions.Default);

    /// <summary>The shard a user belongs to: a stable hash of the id's UTF-8 bytes (the same in every process and release).</summary>
    public static int ShardOf(ReadOnlySpan<byte> userUtf8, int shardCount) =>
        shardCount <= 1 ? 0 : (int)(XxHash3.HashToUInt64(userUtf8) % (ulong)shardCount);

    /// <summary>
    /// Applies this experiment's (and this shard's) events of <paramref name="batch"/> exactly once. A batch applied before
    /// changes nothing and says so; within a new batch, an event whose eventId was counted before is skipped, an eventId
    /// counted before with other content and an event older than the dedupe horizon are refused (see
    /// <see cref="BatchApplyResult.Rejected"/>: the host quarantines them). For Event Hubs batches, sequence numbers applied
    /// before are skipped too.
    /// </summary>
    public BatchApplyResult Apply(EventBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var identity = batch.Identity;
        if (AppliedBatches.IsFullyApplied(identity))
        {
            return new BatchApplyResult(ExperimentId, identity.Key, ApplyOutcome.AlreadyApplied, 0, CountEvents(batch), []);
        }

        var experimentIndex = batch.Catalog.IndexOf(ExperimentId);
        if (experimentIndex >= 0) EnsureSameVariants(batch.Catalog.Experiments[experimentIndex]);
        var checkSequences = AppliedBatches.OverlapsAny(identity);
        var tally = new ApplyTally();
        if (experimentIndex >= 0) ApplyEvents(batch, experimentIndex, checkSequences ? identity.PartitionId : null, ref tally);
        AppliedBatches.Record(identity);
        var outcome = tally.Skipped == 0 && tally.Rejected is null ? ApplyOutcome.Applied
            : tally.Applied == 0 && tally.Rejected is null ? ApplyOutcome.AlreadyCounted
            : ApplyOutcome.PartlyApplied;
        return new BatchApplyResult(ExperimentId, identity.Key, outcome, tally.Applied, tally.Skipped, (IReadOnlyList<RejectedEvent>?)tally.Rejected ?? []);
    }

    /// <summary>The per-variant figures and data-quality counts.</summary>
    public AggregateSummary Summarize()
    {
        var variants = new VariantAggregate[_variantIds.Length];
        for (var v = 0; v < _variantIds.Length; v++) variants[v] = SummarizeVariant(v);
        return new AggregateSummary(ExperimentId, variants, _users.Count, _users.UsersInSeveralVariants, AppliedBatches.ContentHashes.Count,
            AppliedBatches.Partitions.Count, Dedupe.Status(), _droppedPendingValues);
    }

    /// <summary>
    /// Per weight period and variant, the users first exposed in that period and what they did after their first exposure:
    /// the sufficient statistics for period-stratified estimates and the per-period sample-ratio test. Shards add up.
    /// <paramref name="periodStartTicks"/> must be ascending; exposures before the first start count in period 0.
    /// </summary>
    public PeriodCounts CountByPeriod(IReadOnlyList<long> periodStartTicks)
    {
        var counts = new PeriodCounts(Math.Max(1, periodStartTicks.Count), _variantIds.Length);
        for (var slot = 0; slot < _users.Count; slot++)
        {
            for (var v = 0; v < _variantIds.Length; v++)
            {
                var s = _users.Get(slot, v);
                if ((s.Flags & UserFlags.Exposed) == 0) continue;
                counts.AddUser(PeriodOf(periodStartTicks, s.FirstExposureTicks), v, ConvertedAfterExposure(s), s.ValueMicros);
            }
        }
        return counts;
    }

    /// <summary>SHA-256 of the canonical JSON: the data hash that statistics and allocations record in their manifests.</summary>
    public string ComputeHash() => Convert.ToHexStringLower(SHA256.HashData(ToUtf8Json()));

    internal static bool ConvertedAfterExposure(in UserVariantState s) =>
        (s.Flags & (UserFlags.Exposed | UserFlags.Converted)) == (UserFlags.Exposed | UserFlags.Converted) && s.LastConversionTicks >= s.FirstExposureTicks;

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

    private struct ApplyTally
    {
        public int Applied;
        public int Skipped;
        public List<RejectedEvent>? Rejected;
    }

    /// <summary>How many events ahead the user table is asked to fetch (twice this for the bucket).</summary>
    private const int PrefetchDistance = 8;

    private void ApplyEvents(EventBatch batch, int experimentIndex, string? skipAppliedInPartition, ref ApplyTally tally)
    {
        var events = batch.AcceptedEvents;
        var arena = batch.Arena;
        // This experiment's (and shard's) events and their user hashes first, so lookups can be prefetched ahead of use.
        var positions = ArrayPool<int>.Shared.Rent(events.Length);
        var hashes = ArrayPool<int>.Shared.Rent(events.Length);
        try
        {
            var count = 0;
            for (var i = 0; i < events.Length; i++)
            {
                ref readonly var e = ref events[i];
                if (e.ExperimentIndex != experimentIndex) continue;
                var user = arena.Slice(e.UserOffset, e.UserLength);
                if (ShardCount > 1 && ShardOf(user, ShardCount) != Shard) continue;
                if (skipAppliedInPartition is not null && AppliedBatches.Covers(skipAppliedInPartition, e.SequenceNumber))
                {
                    tally.Skipped++;
                    continue;
                }
                positions[count] = i;
                hashes[count++] = UserStateTable.Hash(user);
            }
            for (var k = 0; k < count; k++)
            {
                if (k + 2 * PrefetchDistance < count) _users.PrefetchBucket(hashes[k + 2 * PrefetchDistance]);
                if (k + PrefetchDistance < count) _users.PrefetchRecord(hashes[k + PrefetchDistance]);
                ref readonly var e = ref events[positions[k]];
                var user = arena.Slice(e.UserOffset, e.UserLength);
                switch (Dedupe.Check(XxHash3.HashToUInt64(arena.Slice(e.EventIdOffset, e.EventIdLength)), Fingerprint(e, user), e.TimestampTicks))
                {
                    case DedupeVerdict.New:
                        ApplyEvent(e, user, hashes[k]);
                        tally.Applied++;
                        break;
                    case DedupeVerdict.Duplicate:
                        tally.Skipped++;
                        break;
                    case DedupeVerdict.Conflict:
                        (tally.Rejected ??= []).Add(new RejectedEvent(positions[k], QuarantineReason.EventIdReused,
                            "the eventId was counted before with other content (experiment, variant, user, type, value or timestamp); the first one stays counted"));
                        break;
                    case DedupeVerdict.BeyondHorizon:
                        (tally.Rejected ??= []).Add(new RejectedEvent(positions[k], QuarantineReason.BeyondDedupeHorizon,
                            $"the event is older than the dedupe horizon ({DateTimeOffset.FromUnixTimeSeconds(Dedupe.HorizonSecond):O}), so it could not be checked against events counted before"));
                        break;
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(positions);
            ArrayPool<int>.Shared.Return(hashes);
        }
    }

    /// <summary>32 bits of XxHash3 over everything an event says besides its id and experiment.</summary>
    private static uint Fingerprint(in AcceptedEvent e, ReadOnlySpan<byte> user)
    {
        Span<byte> buffer = stackalloc byte[19 + EventBatchParser.MaxIdBytes];
        buffer[0] = (byte)e.VariantIndex;
        buffer[1] = (byte)e.Type;
        buffer[2] = e.HasValue ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt64LittleEndian(buffer[3..], e.HasValue ? e.ValueMicros : 0);
        BinaryPrimitives.WriteInt64LittleEndian(buffer[11..], e.TimestampTicks);
        user.CopyTo(buffer[19..]);
        return (uint)XxHash3.HashToUInt64(buffer[..(19 + user.Length)]);
    }

    private void ApplyEvent(in AcceptedEvent e, ReadOnlySpan<byte> user, int userHash)
    {
        var slot = _users.FindOrAdd(user, userHash);
        ref var state = ref _users.StateOf(slot, e.VariantIndex);
        switch (e.Type)
        {
            case EventType.Exposure:
                if ((state.Flags & UserFlags.Exposed) == 0 || e.TimestampTicks < state.FirstExposureTicks)
                {
                    state.FirstExposureTicks = e.TimestampTicks;
                    state.Flags |= UserFlags.Exposed;
                    if ((state.Flags & UserFlags.HasPendingValues) != 0) ReleasePendingValues(slot, e.VariantIndex, ref state, user);
                }
                break;
            case EventType.Click:
                state.Flags |= UserFlags.Clicked;
                break;
            case EventType.Conversion:
                if ((state.Flags & UserFlags.Converted) == 0 || e.TimestampTicks > state.LastConversionTicks) state.LastConversionTicks = e.TimestampTicks;
                state.Flags |= UserFlags.Converted;
                break;
        }

        var counters = _counters[e.VariantIndex];
        if (e.HasValue)
        {
            state.Flags |= UserFlags.HasValue;
            if ((state.Flags & UserFlags.Exposed) != 0 && e.TimestampTicks >= state.FirstExposureTicks) AddValue(ref state, e.ValueMicros, e.VariantIndex, user);
            else AddPendingValue(slot, e.VariantIndex, ref state, new PendingValue(e.TimestampTicks, e.ValueMicros));
            counters.ValueEvents++;
        }
        counters.EventsByType[(int)e.Type]++;
        if (e.TimestampTicks < counters.FirstTicks) counters.FirstTicks = e.TimestampTicks;
        if (e.TimestampTicks > counters.LastTicks) counters.LastTicks = e.TimestampTicks;
    }

    private void AddValue(ref UserVariantState state, long micros, int variant, ReadOnlySpan<byte> user)
    {
        var sum = state.ValueMicros + micros;
        // Overflow when both operands share a sign the sum does not have; no try block on the hot path.
        if (((state.ValueMicros ^ sum) & (micros ^ sum)) < 0) ThrowValueOverflow(variant, user);
        state.ValueMicros = sum;
    }

    private void AddPendingValue(int slot, int variant, ref UserVariantState state, PendingValue value)
    {
        ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(_pendingValues, UserStateTable.OverflowKey(slot, variant), out _);
        list ??= [];
        if (list.Count >= MaxPendingValues)
        {
            _droppedPendingValues++;
            return;
        }
        list.Add(value);
        state.Flags |= UserFlags.HasPendingValues;
    }

    /// <summary>The first exposure moved earlier: values at or after it now count.</summary>
    private void ReleasePendingValues(int slot, int variant, ref UserVariantState state, ReadOnlySpan<byte> user)
    {
        var key = UserStateTable.OverflowKey(slot, variant);
        if (!_pendingValues.TryGetValue(key, out var list)) return;
        for (var i = list.Count - 1; i >= 0; i--)
        {
            if (list[i].Ticks < state.FirstExposureTicks) continue;
            AddValue(ref state, list[i].Micros, variant, user);
            list.RemoveAt(i);
        }
        if (list.Count == 0)
        {
            _pendingValues.Remove(key);
            state.Flags &= ~UserFlags.HasPendingValues;
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowValueOverflow(int variant, ReadOnlySpan<byte> user) => throw new InvalidOperationException(
        $"experiment '{ExperimentId}', variant '{_variantIds[variant]}', user '{Encoding.UTF8.GetString(user)}': the value sum overflows");

    private VariantAggregate SummarizeVariant(int v)
    {
        long exposed = 0, converting = 0, clicking = 0, convertingUnexposed = 0, valueUnexposed = 0, convertedOnlyBefore = 0;
        Int128 sum = 0, sumOfSquares = 0;
        for (var slot = 0; slot < _users.Count; slot++)
        {
            var s = _users.Get(slot, v);
            if (s.Flags == UserFlags.None) continue;
            if ((s.Flags & UserFlags.Exposed) != 0)
            {
                exposed++;
                if (ConvertedAfterExposure(s)) converting++;
                else if ((s.Flags & UserFlags.Converted) != 0) convertedOnlyBefore++;
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
            counters.LastTicks == long.MinValue ? null : new DateTimeOffset(counters.LastTicks, TimeSpan.Zero))
        {
            ConvertingUsersOnlyBeforeExposure = convertedOnlyBefore,
        };
    }
}

/// <summary>
/// Users first exposed in each weight period, by variant, with what they did after their first exposure: exposed users,
/// users converting after exposure, and the sum and sum of squares of their values (in millionths, exact). Shards of an
/// experiment add up to the experiment's counts because a user lives in exactly one shard.
/// </summary>
public sealed class PeriodCounts
{
    private readonly long[] _exposed;
    private readonly long[] _converted;
    private readonly Int128[] _valueSum;
    private readonly Int128[] _valueSumOfSquares;

    public PeriodCounts(int periods, int variants)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(periods, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(variants, 1);
        Periods = periods;
        Variants = variants;
        _exposed = new long[periods * variants];
        _converted = new long[periods * variants];
        _valueSum = new Int128[periods * variants];
        _valueSumOfSquares = new Int128[periods * variants];
    }

    public int Periods { get; }

    public int Variants { get; }

    public long Exposed(int period, int variant) => _exposed[period * Variants + variant];

    public long Converted(int period, int variant) => _converted[period * Variants + variant];

    /// <summary>Sum of per-user values (in units, not millionths).</summary>
    public double ValueSum(int period, int variant) => (double)_valueSum[period * Variants + variant] / EventBatch.ValueScale;

    /// <summary>Sample variance of per-user values; null below two users.</summary>
    public double? ValueVariance(int period, int variant)
    {
        var i = period * Variants + variant;
        var n = _exposed[i];
        if (n < 2) return null;
        var numerator = n * (BigInteger)_valueSumOfSquares[i] - (BigInteger)_valueSum[i] * _valueSum[i];
        return (double)numerator / ((double)n * (n - 1)) / ((double)EventBatch.ValueScale * EventBatch.ValueScale);
    }

    public void AddUser(int period, int variant, bool converted, long valueMicros)
    {
        var i = period * Variants + variant;
        _exposed[i]++;
        if (converted) _converted[i]++;
        _valueSum[i] += valueMicros;
        _valueSumOfSquares[i] = checked(_valueSumOfSquares[i] + (Int128)valueMicros * valueMicros);
    }

    /// <summary>Adds another shard's counts for the same periods and variants.</summary>
    public void Add(PeriodCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Periods != Periods || other.Variants != Variants) throw new ArgumentException($"counts of {other.Periods}x{other.Variants} cannot be added to {Periods}x{Variants}", nameof(other));
        for (var i = 0; i < _exposed.Length; i++)
        {
            _exposed[i] += other._exposed[i];
            _converted[i] += other._converted[i];
            _valueSum[i] += other._valueSum[i];
            _valueSumOfSquares[i] = checked(_valueSumOfSquares[i] + other._valueSumOfSquares[i]);
        }
    }

    /// <summary>Sets the raw sums of a cell (simulations that build counts directly).</summary>
    public void Set(int period, int variant, long exposed, long converted, double valueSum = 0, double valueSumOfSquares = 0)
    {
        var i = period * Variants + variant;
        _exposed[i] = exposed;
        _converted[i] = converted;
        _valueSum[i] = (Int128)Math.Round(valueSum * EventBatch.ValueScale);
        _valueSumOfSquares[i] = (Int128)Math.Round(valueSumOfSquares * EventBatch.ValueScale * EventBatch.ValueScale);
    }
}
