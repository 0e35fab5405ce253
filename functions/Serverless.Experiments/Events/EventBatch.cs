using System.Runtime.InteropServices;
using System.Text;

namespace Serverless.Experiments.Events;

/// <summary>One accepted event as stored in a batch: indexes into the catalog and offsets into the batch's byte arena.</summary>
internal readonly record struct AcceptedEvent(
    int ExperimentIndex, int VariantIndex, EventType Type, bool HasValue, long ValueMicros, long TimestampTicks,
    int UserOffset, int UserLength, int EventIdOffset, int EventIdLength, long SequenceNumber);

/// <summary>A readable copy of one accepted event (allocates; for diagnostics and tests, not the hot path).</summary>
public sealed record ExperimentEvent(
    string EventId, string ExperimentId, string VariantId, string UserId, EventType Type, double? Value, DateTimeOffset Timestamp, long? SequenceNumber);

/// <summary>The serialisable outcome of parsing a batch: what the host logs and returns to the sender.</summary>
public sealed record BatchSummary(
    string Identity, string Source, int Records, int Accepted, int Quarantined, IReadOnlyDictionary<string, int> QuarantinedByReason);

/// <summary>
/// A parsed and validated batch: the accepted events (compact, no per-event strings), the quarantined records with
/// their reasons, and the batch identity used for exactly-once application.
/// </summary>
public sealed class EventBatch
{
    /// <summary>Event values are kept as integers of this many units per 1 (six decimals), so sums are exact and order-free.</summary>
    public const long ValueScale = 1_000_000;

    private readonly AcceptedEvent[] _events;
    private readonly byte[] _arena;

    internal EventBatch(
        string sourceName, BatchIdentity identity, ExperimentCatalog catalog, int recordCount,
        AcceptedEvent[] events, byte[] arena, IReadOnlyList<QuarantinedEvent> quarantined, IReadOnlyList<string> experimentIds)
    {
        SourceName = sourceName;
        Identity = identity;
        Catalog = catalog;
        RecordCount = recordCount;
        _events = events;
        _arena = arena;
        Quarantined = quarantined;
        ExperimentIds = experimentIds;
    }

    public string SourceName { get; }

    public BatchIdentity Identity { get; }

    public ExperimentCatalog Catalog { get; }

    /// <summary>Records read (accepted plus quarantined; blank lines are not records).</summary>
    public int RecordCount { get; }

    public int AcceptedCount => _events.Length;

    public IReadOnlyList<QuarantinedEvent> Quarantined { get; }

    /// <summary>Experiments with at least one accepted event, in catalog order: the aggregates the host must load.</summary>
    public IReadOnlyList<string> ExperimentIds { get; }

    internal ReadOnlySpan<AcceptedEvent> AcceptedEvents => _events;

    internal ReadOnlySpan<byte> UserOf(in AcceptedEvent e) => _arena.AsSpan(e.UserOffset, e.UserLength);

    /// <summary>The accepted events as readable records.</summary>
    public IEnumerable<ExperimentEvent> Events()
    {
        for (var i = 0; i < _events.Length; i++)
        {
            var e = _events[i];
            var experiment = Catalog.Experiments[e.ExperimentIndex];
            yield return new ExperimentEvent(
                Encoding.UTF8.GetString(_arena, e.EventIdOffset, e.EventIdLength),
                experiment.Id,
                experiment.Variants[e.VariantIndex].Id,
                Encoding.UTF8.GetString(_arena, e.UserOffset, e.UserLength),
                e.Type,
                e.HasValue ? (double)e.ValueMicros / ValueScale : null,
                new DateTimeOffset(e.TimestampTicks, TimeSpan.Zero),
                e.SequenceNumber >= 0 ? e.SequenceNumber : null);
        }
    }

    public BatchSummary Summarize() => new(
        Identity.Key, SourceName, RecordCount, AcceptedCount, Quarantined.Count,
        Quarantined.GroupBy(q => q.Reason).OrderBy(g => g.Key).ToDictionary(g => g.Key.ToString(), g => g.Count()));
}

/// <summary>Collects a batch while it is parsed; reused by one parser across batches.</summary>
internal sealed class EventBatchBuilder
{
    private readonly List<AcceptedEvent> _events = new(1024);
    private readonly List<QuarantinedEvent> _quarantined = [];
    private byte[] _arena = new byte[64 * 1024];
    private int _arenaUsed;
    private bool[] _experimentSeen = [];

    public int RecordCount { get; set; }

    public void Reset(int experimentCount)
    {
        _events.Clear();
        _quarantined.Clear();
        _arenaUsed = 0;
        RecordCount = 0;
        _experimentSeen = new bool[experimentCount];
    }

    public void Accept(int experimentIndex, int variantIndex, EventType type, bool hasValue, long valueMicros, long ticks,
        ReadOnlySpan<byte> user, ReadOnlySpan<byte> eventId, long sequenceNumber)
    {
        var userOffset = Store(user);
        var eventIdOffset = Store(eventId);
        _events.Add(new AcceptedEvent(experimentIndex, variantIndex, type, hasValue, valueMicros, ticks,
            userOffset, user.Length, eventIdOffset, eventId.Length, sequenceNumber));
        _experimentSeen[experimentIndex] = true;
    }

    public void Quarantine(QuarantinedEvent record) => _quarantined.Add(record);

    public EventBatch Build(string source, BatchIdentity identity, ExperimentCatalog catalog)
    {
        var experimentIds = new List<string>();
        for (var i = 0; i < _experimentSeen.Length; i++)
        {
            if (_experimentSeen[i]) experimentIds.Add(catalog.Experiments[i].Id);
        }
        return new EventBatch(source, identity, catalog, RecordCount,
            CollectionsMarshal.AsSpan(_events).ToArray(), _arena.AsSpan(0, _arenaUsed).ToArray(), _quarantined.ToList(), experimentIds);
    }

    private int Store(ReadOnlySpan<byte> bytes)
    {
        if (_arenaUsed + bytes.Length > _arena.Length) Array.Resize(ref _arena, Math.Max(_arena.Length * 2, _arenaUsed + bytes.Length));
        bytes.CopyTo(_arena.AsSpan(_arenaUsed));
        var offset = _arenaUsed;
        _arenaUsed += bytes.Length;
        return offset;
    }
}
