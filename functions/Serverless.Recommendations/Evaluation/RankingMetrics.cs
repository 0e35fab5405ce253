namespace Serverless.Recommendations.Evaluation;

/// <summary>
/// Top-K ranking quality averaged over test users (binary relevance: an item is relevant when the
/// user has it in the test set). Recall divides by all of the user's test items; NDCG and MAP
/// normalise by the best possible ranking of min(test items, K). Coverage is the share of the
/// catalogue that appears in at least one list. An item listed twice is a hit once: its repeat
/// keeps its place in the first K but counts as a miss.
/// </summary>
public sealed record MetricSet(int K, int Users, double Precision, double Recall, double Ndcg, double Map, double Coverage);

/// <summary>Accumulates per-user figures into a <see cref="MetricSet"/>.</summary>
internal sealed class MetricAccumulator
{
    private readonly int _k;
    private readonly int _catalogue;
    private readonly HashSet<int> _recommended = [];
    private readonly HashSet<int> _hitInList = [];
    private double _precision, _recall, _ndcg, _map;
    private int _users;

    public MetricAccumulator(int k, int catalogueSize)
    {
        _k = k;
        _catalogue = catalogueSize;
    }

    /// <param name="ranked">The user's list, best first; only the first K count. Negative ids never match.</param>
    /// <param name="relevant">The user's test items, sorted ascending.</param>
    public void Add(ReadOnlySpan<int> ranked, ReadOnlySpan<int> relevant)
    {
        if (relevant.IsEmpty) return;
        _users++;
        var hits = 0;
        double dcg = 0, precisionSum = 0;
        var length = Math.Min(_k, ranked.Length);
        _hitInList.Clear();
        for (var rank = 0; rank < length; rank++)
        {
            var item = ranked[rank];
            if (item >= 0) _recommended.Add(item);
            if (item < 0 || relevant.BinarySearch(item) < 0 || !_hitInList.Add(item)) continue;
            hits++;
            dcg += 1.0 / Math.Log2(rank + 2);
            precisionSum += hits / (double)(rank + 1);
        }
        var ideal = Math.Min(relevant.Length, _k);
        double idcg = 0;
        for (var rank = 0; rank < ideal; rank++) idcg += 1.0 / Math.Log2(rank + 2);

        _precision += hits / (double)_k;
        _recall += hits / (double)relevant.Length;
        _ndcg += dcg / idcg;
        _map += precisionSum / ideal;
    }

    public MetricSet Result()
    {
        var n = Math.Max(1, _users);
        return new MetricSet(_k, _users, _precision / n, _recall / n, _ndcg / n, _map / n,
            _catalogue == 0 ? 0 : _recommended.Count / (double)_catalogue);
    }
}
