using System.Buffers;
using Serverless.Experiments.Events;
using Serverless.Experiments.Serialization;

namespace Serverless.Experiments.Aggregation;

public sealed partial class ExperimentAggregate
{
    private static ReadOnlySpan<byte> BinaryMagic => "EXAGG2\n"u8;

    /// <summary>
    /// The whole state except the dedupe entries (which the host keeps as segments, listed here), in a compact binary form
    /// the host rewrites each apply round: about 40 bytes a user, no sorting, no text.
    /// </summary>
    public byte[] ToBinary()
    {
        var buffer = new ArrayBufferWriter<byte>(BinarySizeHint);
        WriteBinary(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A buffer size that usually holds <see cref="WriteBinary"/>'s output without growing.</summary>
    public int BinarySizeHint => 64 * 1024 + _users.Count * 48 + _pendingValues.Count * 64;

    /// <summary>Writes what <see cref="ToBinary"/> returns into <paramref name="output"/> (no copy for the caller to make).</summary>
    public void WriteBinary(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var w = new BinaryStateWriter(output);
        w.Bytes(BinaryMagic);
        w.String(ExperimentId);
        w.Int32(Shard);
        w.Int32(ShardCount);
        w.Int32(_variantIds.Length);
        foreach (var id in _variantIds) w.String(id);

        w.Int32(AppliedBatches.ContentHashes.Count);
        foreach (var hash in AppliedBatches.ContentHashes) w.String(hash);
        var partitions = AppliedBatches.Partitions;
        w.Int32(partitions.Count);
        foreach (var (partition, ranges) in partitions)
        {
            w.String(partition);
            w.Int32(ranges.Count);
            foreach (var r in ranges)
            {
                w.Int64(r.First);
                w.Int64(r.Last);
            }
        }

        foreach (var c in _counters)
        {
            foreach (var n in c.EventsByType) w.Int64(n);
            w.Int64(c.ValueEvents);
            w.Int64(c.FirstTicks);
            w.Int64(c.LastTicks);
        }

        var d = Dedupe;
        w.UInt32(d.HorizonSecond);
        w.UInt32(d.WatermarkSecond);
        w.Int64(d.DuplicatesSkipped);
        w.Int64(d.Conflicts);
        w.Int64(d.BeyondHorizon);
        w.Int64(d.Forgotten);
        w.Int32(d.Segments.Count);
        foreach (var s in d.Segments)
        {
            w.String(s.Name);
            w.Int64(s.Entries);
            w.UInt32(s.MinSecond);
            w.UInt32(s.MaxSecond);
        }
        w.Int64(_droppedPendingValues);

        w.Int32(_users.Count);
        for (var slot = 0; slot < _users.Count; slot++)
        {
            var key = _users.KeyOf(slot);
            w.UInt16((ushort)key.Length);
            w.Bytes(key);
            var present = 0;
            for (var v = 0; v < _variantIds.Length; v++)
            {
                if (_users.Get(slot, v).Flags != UserFlags.None) present++;
            }
            w.Byte((byte)present);
            for (var v = 0; v < _variantIds.Length; v++)
            {
                var s = _users.Get(slot, v);
                if (s.Flags == UserFlags.None) continue;
                w.Byte((byte)v);
                w.Byte((byte)s.Flags);
                w.Int64(s.ValueMicros);
                w.Int64(s.FirstExposureTicks);
                w.Int64(s.LastConversionTicks);
            }
        }
        w.Int32(_pendingValues.Count);
        foreach (var (key, values) in _pendingValues)
        {
            w.Int64(key);
            w.Int32(values.Count);
            foreach (var p in values)
            {
                w.Int64(p.Ticks);
                w.Int64(p.Micros);
            }
        }
    }

    /// <summary>
    /// Reads a state written by <see cref="ToBinary"/>. The dedupe entries are not in it: load each listed segment with
    /// <see cref="EventDeduplicator.LoadSegmentEntries"/>. Throws <see cref="InvalidDataException"/> naming the source when it is damaged.
    /// </summary>
    public static ExperimentAggregate FromBinary(ReadOnlySpan<byte> bytes, string sourceName, AggregateOptions? options = null)
    {
        var r = new BinaryStateReader(bytes, sourceName);
        if (!r.Bytes(BinaryMagic.Length).SequenceEqual(BinaryMagic)) throw new InvalidDataException($"{sourceName}: not an experiment aggregate (unknown header)");
        var experimentId = r.String();
        var shard = r.Int32();
        var shardCount = r.Int32();
        var variantCount = r.Int32();
        if (variantCount is < 2 or > 255) throw new InvalidDataException($"{sourceName}: {variantCount} variants");
        var variantIds = new List<string>(variantCount);
        for (var i = 0; i < variantCount; i++) variantIds.Add(r.String());
        var aggregate = new ExperimentAggregate(experimentId, variantIds, shard, shardCount, options ?? AggregateOptions.Default);

        var hashes = r.Int32();
        for (var i = 0; i < hashes; i++) aggregate.AppliedBatches.RecordContentHash(r.String());
        var partitions = r.Int32();
        for (var i = 0; i < partitions; i++)
        {
            var partition = r.String();
            var ranges = r.Int32();
            for (var k = 0; k < ranges; k++) aggregate.AppliedBatches.RecordRange(partition, new SequenceRange(r.Int64(), r.Int64()));
        }

        foreach (var c in aggregate._counters)
        {
            for (var t = 0; t < c.EventsByType.Length; t++) c.EventsByType[t] = r.Int64();
            c.ValueEvents = r.Int64();
            c.FirstTicks = r.Int64();
            c.LastTicks = r.Int64();
        }

        var horizon = r.UInt32();
        var watermark = r.UInt32();
        var (duplicates, conflicts, beyond, forgotten) = (r.Int64(), r.Int64(), r.Int64(), r.Int64());
        var segmentCount = r.Int32();
        var segments = new List<DedupeSegment>(segmentCount);
        for (var i = 0; i < segmentCount; i++) segments.Add(new DedupeSegment(r.String(), r.Int64(), r.UInt32(), r.UInt32()));
        aggregate.Dedupe.RestoreMetadata(horizon, watermark, duplicates, conflicts, beyond, forgotten, segments);
        aggregate._droppedPendingValues = r.Int64();

        var users = r.Int32();
        for (var i = 0; i < users; i++)
        {
            var key = r.Bytes(r.UInt16());
            var slot = aggregate._users.FindOrAdd(key);
            if (slot != i) throw new InvalidDataException($"{sourceName}: user {i} appears twice");
            var present = r.Byte();
            for (var k = 0; k < present; k++)
            {
                var v = r.Byte();
                if (v >= variantCount) throw new InvalidDataException($"{sourceName}: user {i} names variant {v} of {variantCount}");
                ref var state = ref aggregate._users.StateOf(slot, v);
                state.Flags = (UserFlags)r.Byte();
                state.ValueMicros = r.Int64();
                state.FirstExposureTicks = r.Int64();
                state.LastConversionTicks = r.Int64();
            }
        }
        var pendingLists = r.Int32();
        for (var i = 0; i < pendingLists; i++)
        {
            var key = r.Int64();
            var count = r.Int32();
            var list = new List<PendingValue>(count);
            for (var k = 0; k < count; k++) list.Add(new PendingValue(r.Int64(), r.Int64()));
            aggregate._pendingValues[key] = list;
        }
        r.EnsureEnd();
        return aggregate;
    }
}
