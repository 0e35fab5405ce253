using Serverless.Forecasting.Aggregation;

namespace Serverless.Forecasting.Features;

/// <summary>
/// One store x item series with prefix sums, so any window mean costs O(1). "Clean" sums skip
/// days known to have sold out and days before the item's launch: those sales are not demand.
/// Every query takes an exclusive end, and feature code only ever passes the origin or earlier.
/// </summary>
internal sealed class SeriesWindow
{
    private readonly double[] _cleanSum;   // prefix: sum of sales on clean days
    private readonly int[] _cleanCount;    // prefix: number of clean days

    public SeriesWindow(StoreHistory history, int item)
    {
        History = history;
        Item = item;
        FirstDay = history.FirstDay(item);
        var sales = history.Sales(item);
        _cleanSum = new double[sales.Length + 1];
        _cleanCount = new int[sales.Length + 1];
        for (var d = 0; d < sales.Length; d++)
        {
            var clean = d >= FirstDay && !history.IsStockOut(item, d);
            _cleanSum[d + 1] = _cleanSum[d] + (clean ? sales[d] : 0);
            _cleanCount[d + 1] = _cleanCount[d] + (clean ? 1 : 0);
        }
    }

    public StoreHistory History { get; }

    public int Item { get; }

    public int FirstDay { get; }

    public string StoreId => History.StoreId;

    public string ItemId => History.Items[Item];

    /// <summary>Mean of clean days in [from, to); NaN when none.</summary>
    public double CleanMean(int from, int to)
    {
        from = Math.Max(from, 0);
        to = Math.Min(to, _cleanCount.Length - 1);
        if (to <= from) return double.NaN;
        var count = _cleanCount[to] - _cleanCount[from];
        return count == 0 ? double.NaN : (_cleanSum[to] - _cleanSum[from]) / count;
    }

    /// <summary>Sum and number of clean days in [from, to).</summary>
    public (double Sum, int Count) CleanWindow(int from, int to)
    {
        from = Math.Max(from, 0);
        to = Math.Min(to, _cleanCount.Length - 1);
        return to <= from ? (0, 0) : (_cleanSum[to] - _cleanSum[from], _cleanCount[to] - _cleanCount[from]);
    }

    /// <summary>Clean days in [from, to).</summary>
    public int CleanDays(int from, int to)
    {
        from = Math.Max(from, 0);
        to = Math.Min(to, _cleanCount.Length - 1);
        return to <= from ? 0 : _cleanCount[to] - _cleanCount[from];
    }

    /// <summary>Recorded sales (what a store manager sees), NaN before launch or outside the history.</summary>
    public double Recorded(int day) =>
        day < FirstDay || day < 0 || day >= History.HistoryDays ? double.NaN : History.Sales(Item)[day];

    public bool IsClean(int day) => day >= FirstDay && day >= 0 && day < History.HistoryDays && !History.IsStockOut(Item, day);
}
