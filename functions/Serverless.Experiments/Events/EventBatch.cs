using System.Buffers;
using System.Text;

namespace Serverless.Experiments.Events;

/// <summary>
/// One accepted event as stored in a batch: indexes into the catalog and offsets into the batch's byte arena, plus where
/// it came from (line, and the record's bytes in the submitted body) so a later refusal can quarantine it with its raw text.
/// </summary>
internal readonly record struct AcceptedEvent(
    int ExperimentIndex, int VariantIndex, EventType Type, bool HasValue, long ValueMicros, long TimestampTicks,
    int UserOffset, int UserLength, int EventIdOffset, int EventIdLength, long SequenceNumber,
    int Line = -1, int RawOffset = -1, int RawLength = 0);

/// <summary>A readable copy of one accepted event (allocates; for diagnostics and tests, not the hot path).</summary>
public sealed record ExperimentEvent(
    string EventId, string ExperimentId, string VariantId, string UserId, EventType Type, double? Value, DateTimeOffset Timestamp, long? SequenceNumber);

/// <summary>
/// Where an accepted event came from: its line (or -1), the position of its record in the submitted body (offset -1 when
/// unknown), its Event Hubs sequence number, and its fields written back as JSON for when the body is not at hand.
/// </summary>
public sealed record AcceptedEventSource(string EventId, int Line, int RawOffset, int RawLength, long? SequenceNumber, string Reconstructed);

/// <summary>The serialisable outcome of parsing a batch: what the host logs and returns to the sender.</summary>
public sealed record BatchSummary(
    string Identity, string Source, int Records, int Accepted, int Quarantined, IReadOnlyDictionary<string, int> QuarantinedByReason);

/// <summary>
/// A parsed and validated batch: the accepted events (compact, no per-event strings), the quarantined records with
/// their reasons, and the batch identity used for exactly-once application. Its event storage is pooled: dispose the
/// batch once it has been applied so the next batch reuses the memory instead of growing the heap.
/// </summary>
public sealed class EventBatch : IDisposable
{
    /// <summary>Event values are kept as integers of this many units per 1 (six decimals), so sums are exact and order-free.</summary>
    public const long ValueScale = 1_000_000;

    private AcceptedEvent[]? _events;
    private byte[]? _arena;
    private readonly int _count;

    internal EventBatch(
        string sourceName, BatchIdentity identity, ExperimentCatalog catalog, int recordCount,
        AcceptedEvent[] events, int count, byte[] arena, IReadOnlyList<QuarantinedEvent> quarantined, IReadOnlyList<string> experimentIds)
    {
        SourceName = sourceName;
        Identity = identity;
        Catalog = catalog;
        RecordCount = recordCount;
        _events = events;
        _count = count;
        _arena = arena;
        Quarantined = quarantined;
        ExperimentIds = experimentIds;
    }

    public string SourceName { get; }

    public BatchIdentity Identity { get; }

    public ExperimentCatalog Catalog { get; }

    /// <summary>Records read (accepted plus quarantined; blank lines are not records).</summary>
    public int RecordCount { get; }

    public int AcceptedCount => _count;

    public IReadOnlyList<QuarantinedEvent> Quarantined { get; }

    /// <summary>Experiments with at least one accepted event, in catalog order: the aggregates the host must load.</summary>
    public IReadOnlyList<string> ExperimentIds { get; }

    internal ReadOnlySpan<AcceptedEvent> AcceptedEvents => (_events ?? throw Disposed()).AsSpan(0, _count);

    /// <summary>The bytes that accepted events point into (user and event ids).</summary>
    internal ReadOnlySpan<byte> Arena => _arena ?? throw Disposed();

    /// <summary>The accepted events as readable records.</summary>
    public IEnumerable<ExperimentEvent> Events()
    {
        var events = _events ?? throw Disposed();
        var arena = _arena!;
        for (var i = 0; i < _count; i++)
        {
            var e = events[i];
            var experiment = Catalog.Experiments[e.ExperimentIndex];
            yield return new ExperimentEvent(
                Encoding.UTF8.GetString(arena, e.EventIdOffset, e.EventIdLength),
                experiment.Id,
                experiment.Variants[e.VariantIndex].Id,
                Encoding.UTF8.GetString(arena, e.UserOffset, e.UserLength),
                e.Type,
                e.HasValue ? (double)e.ValueMicros / ValueScale : null,
                new DateTimeOffset(e.TimestampTicks, TimeSpan.Zero),
                e.SequenceNumber >= 0 ? e.SequenceNumber : null);
        }
    }

    /// <summary>Where accepted event <paramref name="index"/> came from, to quarantine it after the fact.</summary>
    public AcceptedEventSource Source(int index)
    {
        var events = _events ?? throw Disposed();
        if ((uint)index >= (uint)_count) throw new ArgumentOutOfRangeException(nameof(index));
        var e = events[index];
        var readable = Events().ElementAt(index);
        var reconstructed = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["eventId"] = readable.EventId,
            ["experiment"] = readable.ExperimentId,
            ["variant"] = readable.VariantId,
            ["user"] = readable.UserId,
            ["type"] = readable.Type.ToString().ToLowerInvariant(),
            ["value"] = readable.Value,
            ["timestamp"] = readable.Timestamp.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        }, Serialization.ExperimentsJsonContext.Default.DictionaryStringObject);
        return new AcceptedEventSource(readable.EventId, e.Line, e.RawOffset, e.RawLength, readable.SequenceNumber, reconstructed);
    }

    /// <summary>Returns the event storage to the pool; the batch cannot be applied afterwards.</summary>
    public void Dispose()
    {
        if (_events is { } events) ArrayPool<AcceptedEvent>.Shared.Return(events);
        if (_arena is { } arena) ArrayPool<byte>.Shared.Return(arena);
        _events = null;
        _arena = null;
    }

    private ObjectDisposedException Disposed() => new(nameof(EventBatch), $"batch {Identity.Key} from {SourceName} was disposed");

    public BatchSummary Summarize() => new(
        Identity.Key, SourceName, RecordCount, AcceptedCount, Quarantined.Count,
        Quarantined.GroupBy(q => q.Reason).OrderBy(g => g.Key).ToDictionary(g => g.Key.ToString(), g => g.Count()));
}

/// <summary>Collects a batch while it is parsed; reused by one parser across batches. Storage comes from the array pool and passes to the batch.</summary>
internal sealed class EventBatchBuilder
{
    private const int InitialEvents = 1024;
    private readonly List<QuarantinedEvent> _quarantined = [];
    private AcceptedEvent[]? _events;
    private int _count;
    private byte[]? _arena;
    private int _arenaUsed;
    private bool[] _experimentSeen = [];

    public int RecordCount { get; set; }

    public void Reset(int experimentCount)
    {
        _events ??= ArrayPool<AcceptedEvent>.Shared.Rent(InitialEvents);
        _arena ??= ArrayPool<byte>.Shared.Rent(InitialEvents * 32);
        _count = 0;
        _arenaUsed = 0;
        _quarantined.Clear();
        RecordCount = 0;
        if (_experimentSeen.Length != experimentCount) _experimentSeen = new bool[experimentCount];
        else Array.Clear(_experimentSeen);
    }

    public void Accept(int experimentIndex, int variantIndex, EventType type, bool hasValue, long valueMicros, long ticks,
        ReadOnlySpan<byte> user, ReadOnlySpan<byte> eventId, long sequenceNumber, int line = -1, int rawOffset = -1, int rawLength = 0)
    {
        var userOffset = Store(user);
        var eventIdOffset = Store(eventId);
        if (_count == _events!.Length) Grow(ref _events, _count + 1);
        _events[_count++] = new AcceptedEvent(experimentIndex, variantIndex, type, hasValue, valueMicros, ticks,
            userOffset, user.Length, eventIdOffset, eventId.Length, sequenceNumber, line, rawOffset, rawLength);
        _experimentSeen[experimentIndex] = true;
    }

    public void Quarantine(QuarantinedEvent record) => _quarantined.Add(record);

    /// <summary>Hands the storage to the batch; the next <see cref="Reset"/> rents new storage.</summary>
    public EventBatch Build(string source, BatchIdentity identity, ExperimentCatalog catalog)
    {
        var experimentIds = new List<string>();
        for (var i = 0; i < _experimentSeen.Length; i++)
        {
            if (_experimentSeen[i]) experimentIds.Add(catalog.Experiments[i].Id);
        }
        var batch = new EventBatch(source, identity, catalog, RecordCount, _events!, _count, _arena!, _quarantined.ToList(), experimentIds);
        _events = null;
        _arena = null;
        return batch;
    }

    private int Store(ReadOnlySpan<byte> bytes)
    {
        if (_arenaUsed + bytes.Length > _arena!.Length) Grow(ref _arena, _arenaUsed + bytes.Length);
        bytes.CopyTo(_arena.AsSpan(_arenaUsed));
        var offset = _arenaUsed;
        _arenaUsed += bytes.Length;
        return offset;
    }

    private static void Grow<T>(ref T[] array, int needed)
    {
        var bigger = ArrayPool<T>.Shared.Rent(Math.Max(needed, array.Length * 2));
        array.AsSpan().CopyTo(bigger);
        ArrayPool<T>.Shared.Return(array);
        array = bigger;
    }
}
