using System.Text;
using Serverless.Experiments.Definitions;

namespace Serverless.Experiments.Events;

/// <summary>
/// The experiments events are validated against, with UTF-8 lookups so the parser never allocates a string
/// to find an experiment or variant.
/// </summary>
public sealed class ExperimentCatalog
{
    private readonly Utf8KeyIndex _experiments;
    private readonly Utf8KeyIndex[] _variants;
    private readonly long[] _startTicks;
    private readonly long[] _stopTicks;

    public ExperimentCatalog(IEnumerable<ExperimentDefinition> experiments)
    {
        Experiments = experiments.ToList();
        var duplicate = Experiments.GroupBy(e => e.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"experiment '{duplicate.Key}' appears more than once", nameof(experiments));
        _experiments = new Utf8KeyIndex(Experiments.Select(e => e.Id));
        _variants = Experiments.Select(e => new Utf8KeyIndex(e.Variants.Select(v => v.Id))).ToArray();
        _startTicks = Experiments.Select(e => e.Start.UtcTicks).ToArray();
        _stopTicks = Experiments.Select(e => e.Stop?.UtcTicks ?? long.MaxValue).ToArray();
    }

    public IReadOnlyList<ExperimentDefinition> Experiments { get; }

    public int IndexOf(string experimentId)
    {
        for (var i = 0; i < Experiments.Count; i++)
        {
            if (string.Equals(Experiments[i].Id, experimentId, StringComparison.Ordinal)) return i;
        }
        return -1;
    }

    internal int FindExperiment(ReadOnlySpan<byte> utf8Id) => _experiments.Find(utf8Id);

    internal int FindVariant(int experimentIndex, ReadOnlySpan<byte> utf8Id) => _variants[experimentIndex].Find(utf8Id);

    /// <summary>The experiment's window [start, stop) in UTC ticks.</summary>
    internal bool IsInWindow(int experimentIndex, long utcTicks) =>
        utcTicks >= _startTicks[experimentIndex] && utcTicks < _stopTicks[experimentIndex];
}

/// <summary>
/// Finds a key by its UTF-8 bytes: for the usual handful of keys a scan that compares length and the first eight bytes
/// before the full bytes (this runs twice per event), a dictionary beyond that.
/// </summary>
internal sealed class Utf8KeyIndex
{
    private const int LinearLimit = 8;
    private readonly byte[][] _keys;
    private readonly int[] _lengths;
    private readonly ulong[] _heads;
    private readonly Dictionary<string, int>? _map;

    public Utf8KeyIndex(IEnumerable<string> keys)
    {
        var list = keys.ToList();
        _keys = list.Select(Encoding.UTF8.GetBytes).ToArray();
        _lengths = _keys.Select(k => k.Length).ToArray();
        _heads = _keys.Select(k => Head(k)).ToArray();
        if (_keys.Length > LinearLimit)
        {
            _map = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < list.Count; i++) _map[list[i]] = i;
        }
    }

    public int Find(ReadOnlySpan<byte> utf8)
    {
        if (_map is not null) return FindInMap(utf8);
        var head = Head(utf8);
        for (var i = 0; i < _keys.Length; i++)
        {
            if (_lengths[i] == utf8.Length && _heads[i] == head && (utf8.Length <= sizeof(ulong) || utf8.SequenceEqual(_keys[i]))) return i;
        }
        return -1;
    }

    private int FindInMap(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > 256) return -1;
        Span<char> chars = stackalloc char[256];
        if (!Encoding.UTF8.TryGetChars(utf8, chars, out var written)) return -1;
        return _map!.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(chars[..written], out var index) ? index : -1;
    }

    /// <summary>The first eight bytes, zero-padded.</summary>
    private static ulong Head(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length >= sizeof(ulong)) return System.Runtime.InteropServices.MemoryMarshal.Read<ulong>(utf8);
        ulong head = 0;
        for (var i = 0; i < utf8.Length; i++) head |= (ulong)utf8[i] << (8 * i);
        return head;
    }
}
