using System.Buffers;
using Serverless.Experiments.Aggregation;
using Serverless.Experiments.Serialization;

namespace Serverless.Experiments.Events;

/// <summary>The accepted events of one batch for one shard of one experiment, encoded for the shard's pending list.</summary>
public sealed record ShardBatchPart(string ExperimentId, int Shard, int ShardCount, int Events, byte[] Encoded);

/// <summary>The header of an encoded part, readable without decoding its events.</summary>
/// <param name="RawReference">Where the host keeps the submitted body (to quarantine a refused event with its raw text); opaque here.</param>
public sealed record ShardBatchHeader(
    string Identity, string Source, string ExperimentId, int Shard, int ShardCount, DateTimeOffset AcknowledgedAt, string RawReference, int Events);

/// <summary>
/// Splits a parsed batch by experiment and user shard into compact binary parts (about 60 bytes an event: no JSON to parse
/// again), and reads a part back as an <see cref="EventBatch"/> the aggregate applies. Each part keeps the batch's identity,
/// so a shard's ledger recognises the batch however many shards it was split into, and each event keeps its line and the
/// position of its raw text in the submitted body.
/// </summary>
public static class ShardBatchCodec
{
    private static ReadOnlySpan<byte> Magic => "EVPART1\n"u8;

    /// <param name="shardCountOf">Shards of each experiment (1: one writer for the whole experiment).</param>
    public static IReadOnlyList<ShardBatchPart> Split(EventBatch batch, Func<string, int> shardCountOf, DateTimeOffset acknowledgedAt, string rawReference)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(shardCountOf);
        var events = batch.AcceptedEvents;
        var arena = batch.Arena;
        var groups = new Dictionary<(int Experiment, int Shard), List<int>>();
        var shardCounts = new int[batch.Catalog.Experiments.Count];
        for (var i = 0; i < events.Length; i++)
        {
            ref readonly var e = ref events[i];
            var count = shardCounts[e.ExperimentIndex];
            if (count == 0) shardCounts[e.ExperimentIndex] = count = Math.Max(1, shardCountOf(batch.Catalog.Experiments[e.ExperimentIndex].Id));
            var shard = ExperimentAggregate.ShardOf(arena.Slice(e.UserOffset, e.UserLength), count);
            if (!groups.TryGetValue((e.ExperimentIndex, shard), out var list)) groups[(e.ExperimentIndex, shard)] = list = [];
            list.Add(i);
        }

        var parts = new List<ShardBatchPart>(groups.Count);
        foreach (var ((experimentIndex, shard), indexes) in groups.OrderBy(g => g.Key.Experiment).ThenBy(g => g.Key.Shard))
        {
            var definition = batch.Catalog.Experiments[experimentIndex];
            var buffer = new ArrayBufferWriter<byte>(256 + indexes.Count * 64);
            var w = new BinaryStateWriter(buffer);
            w.Bytes(Magic);
            w.String(batch.Identity.Key);
            w.String(batch.SourceName);
            w.String(definition.Id);
            w.Int32(shard);
            w.Int32(shardCounts[experimentIndex]);
            w.Int64(acknowledgedAt.UtcTicks);
            w.String(rawReference);
            w.Int32(definition.Variants.Count);
            foreach (var v in definition.Variants) w.String(v.Id);
            w.Int32(indexes.Count);
            foreach (var i in indexes)
            {
                ref readonly var e = ref events[i];
                w.Byte((byte)e.VariantIndex);
                w.Byte((byte)e.Type);
                w.Byte(e.HasValue ? (byte)1 : (byte)0);
                w.Int64(e.ValueMicros);
                w.Int64(e.TimestampTicks);
                w.Int64(e.SequenceNumber);
                w.Int32(e.Line);
                w.Int32(e.RawOffset);
                w.Int32(e.RawLength);
                var user = arena.Slice(e.UserOffset, e.UserLength);
                w.UInt16((ushort)user.Length);
                w.Bytes(user);
                var id = arena.Slice(e.EventIdOffset, e.EventIdLength);
                w.UInt16((ushort)id.Length);
                w.Bytes(id);
            }
            parts.Add(new ShardBatchPart(definition.Id, shard, shardCounts[experimentIndex], indexes.Count, buffer.WrittenSpan.ToArray()));
        }
        return parts;
    }

    public static ShardBatchHeader ReadHeader(ReadOnlySpan<byte> encoded, string sourceName)
    {
        var r = new BinaryStateReader(encoded, sourceName);
        return ReadHeader(ref r, sourceName);
    }

    /// <summary>
    /// The part as a batch of <paramref name="catalog"/>'s experiment, ready for <see cref="ExperimentAggregate.Apply"/>.
    /// Refuses a part whose variants differ from the definition's (the experiment was redefined since).
    /// </summary>
    public static EventBatch Decode(ReadOnlySpan<byte> encoded, ExperimentCatalog catalog, string sourceName, out ShardBatchHeader header)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var r = new BinaryStateReader(encoded, sourceName);
        header = ReadHeader(ref r, sourceName);
        var experimentIndex = catalog.IndexOf(header.ExperimentId);
        if (experimentIndex < 0) throw new InvalidDataException($"{sourceName}: experiment '{header.ExperimentId}' is not defined any more");
        var definition = catalog.Experiments[experimentIndex];
        var variants = r.Int32();
        var ids = new List<string>(variants);
        for (var i = 0; i < variants; i++) ids.Add(r.String());
        if (!ids.SequenceEqual(definition.Variants.Select(v => v.Id), StringComparer.Ordinal))
        {
            throw new InvalidDataException($"{sourceName}: written for variants [{string.Join(", ", ids)}], the definition of '{definition.Id}' now has [{string.Join(", ", definition.Variants.Select(v => v.Id))}]");
        }
        var count = r.Int32();
        var builder = new EventBatchBuilder();
        builder.Reset(catalog.Experiments.Count);
        for (var i = 0; i < count; i++)
        {
            var variant = r.Byte();
            var type = (EventType)r.Byte();
            var hasValue = r.Byte() != 0;
            var micros = r.Int64();
            var ticks = r.Int64();
            var sequence = r.Int64();
            var line = r.Int32();
            var rawOffset = r.Int32();
            var rawLength = r.Int32();
            var user = r.Bytes(r.UInt16());
            var eventId = r.Bytes(r.UInt16());
            if (variant >= variants || type > EventType.Conversion) throw new InvalidDataException($"{sourceName}: event {i} is damaged");
            builder.Accept(experimentIndex, variant, type, hasValue, micros, ticks, user, eventId, sequence, line, rawOffset, rawLength);
            builder.RecordCount++;
        }
        r.EnsureEnd();
        return builder.Build(header.Source, BatchIdentity.Parse(header.Identity), catalog);
    }

    private static ShardBatchHeader ReadHeader(ref BinaryStateReader r, string sourceName)
    {
        if (!r.Bytes(Magic.Length).SequenceEqual(Magic)) throw new InvalidDataException($"{sourceName}: not a pending batch part (unknown header)");
        var identity = r.String();
        var source = r.String();
        var experiment = r.String();
        var shard = r.Int32();
        var shardCount = r.Int32();
        var acknowledged = new DateTimeOffset(r.Int64(), TimeSpan.Zero);
        var raw = r.String();
        // The event count follows the variant list; the header reports it without decoding the events.
        var copy = r;
        var variants = copy.Int32();
        for (var i = 0; i < variants; i++) copy.String();
        return new ShardBatchHeader(identity, source, experiment, shard, shardCount, acknowledged, raw, copy.Int32());
    }
}
