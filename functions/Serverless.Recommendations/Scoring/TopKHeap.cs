namespace Serverless.Recommendations.Scoring;

/// <summary>
/// Keeps the best K (item, score) pairs seen so far in a min-heap: O(log K) per accepted pair and
/// one comparison per rejected one. Ties go to the lower item index, so results are deterministic.
/// </summary>
internal sealed class TopKHeap
{
    private readonly int[] _items;
    private readonly float[] _scores;

    public TopKHeap(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _items = new int[capacity];
        _scores = new float[capacity];
    }

    public int Count { get; private set; }
    public int Capacity => _items.Length;

    /// <summary>The score a new pair must beat once the heap is full.</summary>
    public float Threshold => Capacity == 0 ? float.PositiveInfinity : Count < Capacity ? float.NegativeInfinity : _scores[0];

    public void Clear() => Count = 0;

    public void Push(int item, float score)
    {
        if (Capacity == 0 || float.IsNaN(score)) return;
        if (Count < Capacity)
        {
            var i = Count++;
            _items[i] = item;
            _scores[i] = score;
            SiftUp(i);
        }
        else if (Worse(_items[0], _scores[0], item, score))
        {
            _items[0] = item;
            _scores[0] = score;
            SiftDown(0);
        }
    }

    /// <summary>Writes the kept pairs best first and empties the heap; returns how many.</summary>
    public int DrainDescending(Span<int> items, Span<float> scores)
    {
        var n = Count;
        for (var i = n - 1; i >= 0; i--)
        {
            items[i] = _items[0];
            scores[i] = _scores[0];
            Count--;
            if (Count > 0)
            {
                _items[0] = _items[Count];
                _scores[0] = _scores[Count];
                SiftDown(0);
            }
        }
        return n;
    }

    /// <summary>True when (itemA, scoreA) ranks below (itemB, scoreB).</summary>
    private static bool Worse(int itemA, float scoreA, int itemB, float scoreB) =>
        scoreA < scoreB || (scoreA == scoreB && itemA > itemB);

    private void SiftUp(int i)
    {
        while (i > 0)
        {
            var parent = (i - 1) / 2;
            if (!Worse(_items[i], _scores[i], _items[parent], _scores[parent])) break;
            Swap(i, parent);
            i = parent;
        }
    }

    private void SiftDown(int i)
    {
        while (true)
        {
            var left = 2 * i + 1;
            if (left >= Count) break;
            var worst = left;
            var right = left + 1;
            if (right < Count && Worse(_items[right], _scores[right], _items[left], _scores[left])) worst = right;
            if (!Worse(_items[worst], _scores[worst], _items[i], _scores[i])) break;
            Swap(i, worst);
            i = worst;
        }
    }

    private void Swap(int a, int b)
    {
        (_items[a], _items[b]) = (_items[b], _items[a]);
        (_scores[a], _scores[b]) = (_scores[b], _scores[a]);
    }
}
