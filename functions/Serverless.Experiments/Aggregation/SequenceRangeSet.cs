using Serverless.Experiments.Events;

namespace Serverless.Experiments.Aggregation;

/// <summary>
/// Sequence numbers seen in one Event Hubs partition, kept as sorted, merged ranges: a partition read in order
/// compacts to a single range however many batches it took.
/// </summary>
internal sealed class SequenceRangeSet
{
    private readonly List<SequenceRange> _ranges = [];

    public IReadOnlyList<SequenceRange> Ranges => _ranges;

    public bool Contains(long sequence)
    {
        int lo = 0, hi = _ranges.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var range = _ranges[mid];
            if (sequence < range.First) hi = mid - 1;
            else if (sequence > range.Last) lo = mid + 1;
            else return true;
        }
        return false;
    }

    public bool ContainsAll(SequenceRange range)
    {
        var index = IndexAtOrAfter(range.First);
        return index < _ranges.Count && _ranges[index].First <= range.First && _ranges[index].Last >= range.Last;
    }

    public bool Overlaps(SequenceRange range)
    {
        var index = IndexAtOrAfter(range.First);
        return index < _ranges.Count && _ranges[index].First <= range.Last;
    }

    public void Add(SequenceRange range)
    {
        if (range.Last < range.First) throw new ArgumentException($"range {range} is empty", nameof(range));
        // Merge every range that overlaps or touches [First-1, Last+1].
        var first = range.First;
        var last = range.Last;
        var index = IndexAtOrAfter(first == long.MinValue ? first : first - 1);
        var end = index;
        while (end < _ranges.Count && (last == long.MaxValue || _ranges[end].First <= last + 1))
        {
            first = Math.Min(first, _ranges[end].First);
            last = Math.Max(last, _ranges[end].Last);
            end++;
        }
        _ranges.RemoveRange(index, end - index);
        _ranges.Insert(index, new SequenceRange(first, last));
    }

    /// <summary>Index of the first range whose Last is at or after <paramref name="sequence"/>.</summary>
    private int IndexAtOrAfter(long sequence)
    {
        int lo = 0, hi = _ranges.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_ranges[mid].Last < sequence) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
