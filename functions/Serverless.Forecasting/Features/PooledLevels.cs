using Serverless.Forecasting.Aggregation;

namespace Serverless.Forecasting.Features;

/// <summary>
/// Clean sales of each item summed over all stores, and of all series together, as prefix sums on
/// one date axis, so any pooled window costs O(1). Built from histories that all end at the same
/// run date; queries read only windows that end at their origin (<see cref="SeasonalWindows"/>).
/// A pooled mean is per store-day, so a store opening or an item launching shifts it a little.
/// </summary>
internal sealed class PooledLevels : LevelPool
{
    private readonly int _firstDay;                     // day number of the axis' first day
    private readonly Dictionary<string, int> _keys;     // item -> row; the chain is the last row
    private readonly double[][] _sum;                  // key -> prefix sum of clean sales
    private readonly int[][] _count;                   // key -> prefix count of clean store-days

    private PooledLevels(int firstDay, Dictionary<string, int> keys, double[][] sum, int[][] count)
    {
        _firstDay = firstDay;
        _keys = keys;
        _sum = sum;
        _count = count;
    }

    public static PooledLevels Build(IReadOnlyList<StoreHistory> histories)
    {
        if (histories.Count == 0) throw new ArgumentException("no histories to pool", nameof(histories));
        var firstDay = histories.Min(h => h.Start.DayNumber);
        var days = histories.Max(h => h.RunDate.DayNumber) - firstDay;
        var keys = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in histories.SelectMany(h => h.Items).Distinct().Order(StringComparer.Ordinal)) keys[item] = keys.Count;
        var chain = keys.Count;
        var daily = new double[chain + 1][];
        var counts = new int[chain + 1][];
        for (var k = 0; k <= chain; k++)
        {
            daily[k] = new double[days + 1];
            counts[k] = new int[days + 1];
        }
        foreach (var history in histories)
        {
            var offset = history.Start.DayNumber - firstDay;
            for (var item = 0; item < history.Items.Count; item++)
            {
                var key = keys[history.Items[item]];
                var sales = history.Sales(item);
                for (var d = history.FirstDay(item); d < sales.Length; d++)
                {
                    if (history.IsStockOut(item, d)) continue;
                    // Stored at index + 1: the prefix pass below turns day values into prefix sums.
                    daily[key][offset + d + 1] += sales[d];
                    counts[key][offset + d + 1]++;
                    daily[chain][offset + d + 1] += sales[d];
                    counts[chain][offset + d + 1]++;
                }
            }
        }
        for (var k = 0; k <= chain; k++)
        {
            for (var d = 1; d <= days; d++)
            {
                daily[k][d] += daily[k][d - 1];
                counts[k][d] += counts[k][d - 1];
            }
        }
        return new PooledLevels(firstDay, keys, daily, counts);
    }

    public override (LogRatio Week, LogRatio Month) Item(string item, int origin, int target) =>
        _keys.TryGetValue(item, out var key) ? SeasonalRatio.Estimate(new Row(this, key), origin, target) : (LogRatio.None, LogRatio.None);

    public override (LogRatio Week, LogRatio Month) Chain(int origin, int target) =>
        SeasonalRatio.Estimate(new Row(this, _sum.Length - 1), origin, target);

    private readonly struct Row(PooledLevels pool, int key) : ILevelSource
    {
        public (double Sum, int Count) Window(int from, int to)
        {
            var last = pool._count[key].Length - 1;
            var a = Math.Clamp(from - pool._firstDay, 0, last);
            var b = Math.Clamp(to - pool._firstDay, 0, last);
            return b <= a ? (0, 0) : (pool._sum[key][b] - pool._sum[key][a], pool._count[key][b] - pool._count[key][a]);
        }
    }
}
