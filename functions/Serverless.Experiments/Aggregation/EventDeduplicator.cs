using System.Buffers.Binary;

namespace Serverless.Experiments.Aggregation;

/// <summary>How the eventId dedupe state is bounded.</summary>
/// <param name="Window">Event time over which eventIds are remembered (Amplitude's <c>insert_id</c> dedupes within 7 days).</param>
/// <param name="MaxEntries">Most eventIds remembered by one experiment shard; beyond it the oldest (by event time) are forgotten first.</param>
public sealed record DedupeOptions(TimeSpan Window, long MaxEntries)
{
    public static readonly DedupeOptions Default = new(TimeSpan.FromDays(7), 4_000_000);

    public void Validate()
    {
        if (Window <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(Window), Window, "the dedupe window must be positive");
        if (MaxEntries < 1024) throw new ArgumentOutOfRangeException(nameof(MaxEntries), MaxEntries, "the dedupe state must hold at least 1,024 entries");
    }
}

/// <summary>What the dedupe state said about one event.</summary>
internal enum DedupeVerdict : byte
{
    /// <summary>First time this eventId is seen: count it.</summary>
    New,

    /// <summary>Same eventId, same content: a re-delivery, skipped.</summary>
    Duplicate,

    /// <summary>Same eventId, different content: quarantined, the first one stays counted.</summary>
    Conflict,

    /// <summary>Older than the horizon, where eventIds are no longer remembered: quarantined rather than risk counting it twice.</summary>
    BeyondHorizon,
}

/// <summary>A run of dedupe entries persisted together (one apply round, or several merged).</summary>
/// <param name="Name">Storage name, chosen by the host.</param>
public sealed record DedupeSegment(string Name, long Entries, uint MinSecond, uint MaxSecond);

/// <summary>Size and reach of the dedupe state, reported with the aggregate.</summary>
/// <param name="HorizonSecond">Unix seconds: events before this instant can no longer be checked and are quarantined.</param>
public sealed record DedupeStatus(long Entries, long CapacityEntries, long MemoryBytes, DateTimeOffset? Horizon, DateTimeOffset? Watermark,
    long DuplicatesSkipped, long Conflicts, long BeyondHorizon, long Forgotten, int Segments);

/// <summary>
/// The eventIds one experiment shard has counted, for exactly-once counting across batches however events are re-batched.
/// Each entry is 16 bytes (64-bit XxHash3 of the eventId, a 32-bit fingerprint of the rest of the event, the event's Unix
/// second) in an open-addressing table. The state is bounded two ways, both by event time so the result does not depend on
/// arrival order: entries older than <see cref="DedupeOptions.Window"/> before the newest event are forgotten, and when more
/// than <see cref="DedupeOptions.MaxEntries"/> are held the oldest quarter is forgotten. Forgetting raises the horizon; an
/// event older than the horizon cannot be checked and is refused (quarantined) instead of being counted a second time.
/// </summary>
/// <remarks>
/// New entries since the last <see cref="TakeNewEntries"/> are kept aside so the host can persist only them (a segment per
/// round); the host merges segments (<see cref="MergeSegments"/>) so their number stays logarithmic. A 64-bit id hash makes
/// two different eventIds collide with probability about n²/2⁶⁵ (2·10⁻⁶ at 4 million entries); such a pair shows as a
/// conflict and is quarantined, never silently merged.
/// </remarks>
public sealed class EventDeduplicator
{
    public const int EntryBytes = 16;
    private const double MaxLoad = 0.5;

    private readonly DedupeOptions _options;
    private Entry[] _table = new Entry[1 << 10];
    private long _count;
    private List<Entry> _new = [];
    private readonly List<DedupeSegment> _segments = [];

    public EventDeduplicator(DedupeOptions? options = null)
    {
        _options = options ?? DedupeOptions.Default;
        _options.Validate();
    }

    public DedupeOptions Options => _options;

    /// <summary>Unix second before which eventIds are forgotten (0 while nothing was forgotten).</summary>
    public uint HorizonSecond { get; private set; }

    /// <summary>The newest event second seen.</summary>
    public uint WatermarkSecond { get; private set; }

    public long Count => _count;

    public long DuplicatesSkipped { get; private set; }

    public long Conflicts { get; private set; }

    public long BeyondHorizon { get; private set; }

    public long Forgotten { get; private set; }

    public IReadOnlyList<DedupeSegment> Segments => _segments;

    /// <summary>Entries added since the last <see cref="TakeNewEntries"/>.</summary>
    public int NewEntryCount => _new.Count;

    public DedupeStatus Status() => new(_count, _options.MaxEntries, (long)_table.Length * EntryBytes + (long)_new.Capacity * EntryBytes,
        HorizonSecond == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(HorizonSecond),
        WatermarkSecond == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(WatermarkSecond),
        DuplicatesSkipped, Conflicts, BeyondHorizon, Forgotten, _segments.Count);

    internal static uint SecondOf(long utcTicks)
    {
        var seconds = (utcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerSecond;
        return seconds <= 0 ? 0u : seconds >= uint.MaxValue ? uint.MaxValue - 1 : (uint)seconds;
    }

    /// <summary>Checks one event and remembers it when new.</summary>
    internal DedupeVerdict Check(ulong idHash, uint fingerprint, long utcTicks)
    {
        var second = SecondOf(utcTicks);
        if (second < HorizonSecond)
        {
            BeyondHorizon++;
            return DedupeVerdict.BeyondHorizon;
        }
        var key = idHash == 0 ? 1 : idHash;
        var mask = _table.Length - 1;
        var index = (int)(key & (ulong)mask);
        while (true)
        {
            ref var slot = ref _table[index];
            if (slot.Key == 0) break;
            if (slot.Key == key)
            {
                if (slot.Fingerprint == fingerprint)
                {
                    DuplicatesSkipped++;
                    return DedupeVerdict.Duplicate;
                }
                Conflicts++;
                return DedupeVerdict.Conflict;
            }
            index = (index + 1) & mask;
        }
        var entry = new Entry(key, fingerprint, second);
        _table[index] = entry;
        _count++;
        _new.Add(entry);
        if (second > WatermarkSecond) WatermarkSecond = second;
        if (_count > _table.Length * MaxLoad) Resize(_table.Length * 2);
        return DedupeVerdict.New;
    }

    /// <summary>
    /// Forgets what the bounds say must go: entries older than the window before the watermark, and, above the capacity,
    /// the oldest quarter by event time. Returns true when something was forgotten (the horizon moved).
    /// </summary>
    public bool EnforceBounds()
    {
        var cutoff = HorizonSecond;
        var windowSeconds = (long)Math.Ceiling(_options.Window.TotalSeconds);
        if (WatermarkSecond > windowSeconds) cutoff = Math.Max(cutoff, (uint)(WatermarkSecond - windowSeconds));
        if (_count > _options.MaxEntries) cutoff = Math.Max(cutoff, QuantileSecond(0.25));
        if (cutoff <= HorizonSecond) return false;
        return ForgetBefore(cutoff);
    }

    /// <summary>Forgets entries before <paramref name="second"/>; the horizon only moves forward.</summary>
    internal bool ForgetBefore(uint second)
    {
        if (second <= HorizonSecond) return false;
        HorizonSecond = second;
        var remaining = 0L;
        foreach (var entry in _table)
        {
            if (entry.Key != 0 && entry.Second >= second) remaining++;
        }
        // Rebuilt at the size the remaining entries need, so memory follows the bound down as well as up.
        var table = new Entry[(int)Math.Max(1024, System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)Math.Max(1, (long)Math.Ceiling(remaining / MaxLoad) + 1)))];
        var mask = table.Length - 1;
        var kept = 0L;
        foreach (var entry in _table)
        {
            if (entry.Key == 0 || entry.Second < second) continue;
            Insert(table, mask, entry);
            kept++;
        }
        Forgotten += _count - kept;
        _count = kept;
        _table = table;
        _new = _new.Where(e => e.Second >= second).ToList();
        // Segments wholly before the horizon are obsolete; the host deletes them after its next commit.
        return true;
    }

    /// <summary>The entries added since the last call, as a segment body (<see cref="EntryBytes"/> each), and starts a new run.</summary>
    public byte[] TakeNewEntries(out uint minSecond, out uint maxSecond)
    {
        var bytes = new byte[_new.Count * EntryBytes];
        minSecond = uint.MaxValue;
        maxSecond = 0;
        for (var i = 0; i < _new.Count; i++)
        {
            var e = _new[i];
            Write(bytes.AsSpan(i * EntryBytes), e);
            if (e.Second < minSecond) minSecond = e.Second;
            if (e.Second > maxSecond) maxSecond = e.Second;
        }
        if (_new.Count == 0) minSecond = 0;
        _new = [];
        return bytes;
    }

    /// <summary>Records a segment the host persisted (in order of writing).</summary>
    public void AddSegment(DedupeSegment segment) => _segments.Add(segment);

    /// <summary>Segments whose entries are all before the horizon: drop them from the list and delete them once committed.</summary>
    public IReadOnlyList<DedupeSegment> RemoveObsoleteSegments()
    {
        var obsolete = _segments.Where(s => s.Entries == 0 || s.MaxSecond < HorizonSecond).ToList();
        foreach (var s in obsolete) _segments.Remove(s);
        return obsolete;
    }

    /// <summary>
    /// Which trailing segments to merge so sizes stay roughly geometric (each at least twice the next newer one), which
    /// keeps their number logarithmic and rewrites each entry a logarithmic number of times. Empty when none.
    /// </summary>
    public IReadOnlyList<DedupeSegment> PlanMerge()
    {
        var take = 0;
        var sum = 0L;
        for (var i = _segments.Count - 1; i > 0; i--)
        {
            sum += _segments[i].Entries;
            if (sum * 2 < _segments[i - 1].Entries) break;
            take = _segments.Count - i + 1;
        }
        return take < 2 ? [] : _segments.Skip(_segments.Count - take).ToList();
    }

    /// <summary>Replaces <paramref name="merged"/> (a trailing run from <see cref="PlanMerge"/>) with <paramref name="replacement"/>.</summary>
    public void ReplaceSegments(IReadOnlyList<DedupeSegment> merged, DedupeSegment replacement)
    {
        var first = _segments.IndexOf(merged[0]);
        if (first < 0 || first + merged.Count != _segments.Count) throw new InvalidOperationException("only a trailing run of segments can be merged");
        _segments.RemoveRange(first, merged.Count);
        _segments.Add(replacement);
    }

    /// <summary>Concatenates segment bodies, leaving out entries before the horizon.</summary>
    public byte[] MergeSegments(IReadOnlyList<ReadOnlyMemory<byte>> bodies, out long entries, out uint minSecond, out uint maxSecond)
    {
        ArgumentNullException.ThrowIfNull(bodies);
        var output = new byte[bodies.Sum(b => (long)b.Length)];
        var written = 0;
        minSecond = uint.MaxValue;
        maxSecond = 0;
        foreach (var body in bodies)
        {
            CheckBody(body.Length);
            for (var offset = 0; offset < body.Length; offset += EntryBytes)
            {
                var e = Read(body.Span[offset..]);
                if (e.Second < HorizonSecond) continue;
                Write(output.AsSpan(written), e);
                written += EntryBytes;
                if (e.Second < minSecond) minSecond = e.Second;
                if (e.Second > maxSecond) maxSecond = e.Second;
            }
        }
        entries = written / EntryBytes;
        if (entries == 0) minSecond = 0;
        return written == output.Length ? output : output[..written];
    }

    /// <summary>Loads a persisted segment's entries (a restart), skipping those before the horizon.</summary>
    public void LoadSegmentEntries(ReadOnlySpan<byte> body)
    {
        CheckBody(body.Length);
        for (var offset = 0; offset < body.Length; offset += EntryBytes)
        {
            var e = Read(body[offset..]);
            if (e.Second < HorizonSecond) continue;
            if (_count + 1 > _table.Length * MaxLoad) Resize(_table.Length * 2);
            if (Insert(_table, _table.Length - 1, e)) _count++;
            if (e.Second > WatermarkSecond) WatermarkSecond = e.Second;
        }
    }

    /// <summary>Restores the counters persisted with the aggregate (entries come from the segments).</summary>
    internal void RestoreMetadata(uint horizon, uint watermark, long duplicates, long conflicts, long beyondHorizon, long forgotten, IEnumerable<DedupeSegment> segments)
    {
        HorizonSecond = horizon;
        WatermarkSecond = Math.Max(WatermarkSecond, watermark);
        DuplicatesSkipped = duplicates;
        Conflicts = conflicts;
        BeyondHorizon = beyondHorizon;
        Forgotten = forgotten;
        _segments.Clear();
        _segments.AddRange(segments);
    }

    private static void CheckBody(int length)
    {
        if (length % EntryBytes != 0) throw new InvalidDataException($"a dedupe segment is {length} bytes, not a multiple of {EntryBytes}");
    }

    /// <summary>The event second below which about <paramref name="share"/> of the entries lie (a histogram, one pass).</summary>
    private uint QuantileSecond(double share)
    {
        uint min = uint.MaxValue, max = 0;
        foreach (var e in _table)
        {
            if (e.Key == 0) continue;
            if (e.Second < min) min = e.Second;
            if (e.Second > max) max = e.Second;
        }
        if (max <= min) return max;
        const int buckets = 4096;
        var width = Math.Max(1.0, ((double)max - min + 1) / buckets);
        var histogram = new long[buckets];
        foreach (var e in _table)
        {
            if (e.Key == 0) continue;
            histogram[Math.Min(buckets - 1, (int)((e.Second - min) / width))]++;
        }
        var target = (long)Math.Ceiling(_count * share);
        long cumulative = 0;
        for (var b = 0; b < buckets; b++)
        {
            cumulative += histogram[b];
            // Forget whole buckets: everything below the next bucket's first second.
            if (cumulative >= target) return (uint)Math.Min(max, min + Math.Ceiling((b + 1) * width));
        }
        return max;
    }

    private void Resize(int size)
    {
        var table = new Entry[size];
        var mask = size - 1;
        foreach (var entry in _table)
        {
            if (entry.Key != 0) Insert(table, mask, entry);
        }
        _table = table;
    }

    private static bool Insert(Entry[] table, int mask, Entry entry)
    {
        var index = (int)(entry.Key & (ulong)mask);
        while (table[index].Key != 0)
        {
            if (table[index].Key == entry.Key) return false;
            index = (index + 1) & mask;
        }
        table[index] = entry;
        return true;
    }

    private static void Write(Span<byte> target, Entry e)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(target, e.Key);
        BinaryPrimitives.WriteUInt32LittleEndian(target[8..], e.Fingerprint);
        BinaryPrimitives.WriteUInt32LittleEndian(target[12..], e.Second);
    }

    private static Entry Read(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadUInt64LittleEndian(source), BinaryPrimitives.ReadUInt32LittleEndian(source[8..]), BinaryPrimitives.ReadUInt32LittleEndian(source[12..]));

    private readonly record struct Entry(ulong Key, uint Fingerprint, uint Second);
}
