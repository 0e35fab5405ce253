namespace Serverless.Forecasting.Aggregation;

/// <summary>
/// One store's daily series, compact: item-major arrays, not row objects. Sales cover
/// <c>[Start, RunDate)</c> (strictly before the run date; missing days are zero). Prices and
/// temperature also cover the <see cref="FutureDays"/> after the run date (the planned prices and
/// the weather forecast for the target week), which is everything a forecast may know of the future.
/// </summary>
public sealed class StoreHistory
{
    private readonly float[] _sales;
    private readonly float[] _prices;
    private readonly float[] _temperature;
    private readonly ulong[] _stockOut;
    private readonly int[] _firstDay;

    internal StoreHistory(
        string storeId, string? region, float size, DateOnly start, DateOnly runDate, int futureDays,
        string[] items, string?[] categories, int[] firstDay, float[] sales, float[] prices, float[] temperature, ulong[] stockOut)
    {
        StoreId = storeId;
        Region = region;
        Size = size;
        Start = start;
        RunDate = runDate;
        FutureDays = futureDays;
        _items = items;
        _categories = categories;
        _firstDay = firstDay;
        _sales = sales;
        _prices = prices;
        _temperature = temperature;
        _stockOut = stockOut;
        if (sales.Length != items.Length * HistoryDays) throw new ArgumentException("sales length does not match items x history days");
        if (prices.Length != items.Length * TotalDays) throw new ArgumentException("prices length does not match items x total days");
        if (temperature.Length != TotalDays) throw new ArgumentException("temperature length does not match total days");
    }

    private readonly string[] _items;
    private readonly string?[] _categories;

    public string StoreId { get; }

    /// <summary>Region from the catalogue, or null when the store is not in one.</summary>
    public string? Region { get; }

    /// <summary>Store size from the catalogue (1 = average), or NaN when unknown.</summary>
    public float Size { get; }

    public DateOnly Start { get; }

    /// <summary>The first day not in the sales history.</summary>
    public DateOnly RunDate { get; }

    public int HistoryDays => RunDate.DayNumber - Start.DayNumber;

    public int FutureDays { get; }

    public int TotalDays => HistoryDays + FutureDays;

    public IReadOnlyList<string> Items => _items;

    /// <summary>Item categories from the catalogue (null when unknown), aligned with <see cref="Items"/>.</summary>
    public IReadOnlyList<string?> Categories => _categories;

    public int IndexOf(string item) => Array.IndexOf(_items, item);

    /// <summary>Units sold per day of <c>[Start, RunDate)</c>.</summary>
    public ReadOnlySpan<float> Sales(int item) => _sales.AsSpan(item * HistoryDays, HistoryDays);

    /// <summary>Shelf price per day of <c>[Start, RunDate + FutureDays)</c>, carried forward; NaN when never known.</summary>
    public ReadOnlySpan<float> Prices(int item) => _prices.AsSpan(item * TotalDays, TotalDays);

    /// <summary>Temperature per day of <c>[Start, RunDate + FutureDays)</c>; NaN when unknown.</summary>
    public ReadOnlySpan<float> Temperature => _temperature;

    /// <summary>True when the day is known to have sold out (its sales understate demand).</summary>
    public bool IsStockOut(int item, int day)
    {
        var bit = (long)item * HistoryDays + day;
        return (_stockOut[bit >> 6] & (1UL << (int)(bit & 63))) != 0;
    }

    /// <summary>Index of the first day the item had a row (launch); days before it are not demand.</summary>
    public int FirstDay(int item) => _firstDay[item];

    public DateOnly DateOf(int day) => Start.AddDays(day);

    public int DayOf(DateOnly date) => date.DayNumber - Start.DayNumber;

    internal float[] RawSales => _sales;
    internal float[] RawPrices => _prices;
    internal float[] RawTemperature => _temperature;
    internal ulong[] RawStockOut => _stockOut;
    internal int[] RawFirstDay => _firstDay;
    internal string[] RawItems => _items;
    internal string?[] RawCategories => _categories;

    /// <summary>
    /// A copy with the run date moved back to <paramref name="origin"/>: sales, stock-outs and
    /// covariates after it are cut away, and at most <paramref name="keepDays"/> days before it are
    /// kept. The backtest uses it so an origin sees exactly what the job would have seen that day.
    /// </summary>
    public StoreHistory TruncateTo(DateOnly origin, int futureDays, int? keepDays = null)
    {
        var end = origin.DayNumber - Start.DayNumber;
        if (end <= 0 || origin > RunDate) throw new ArgumentOutOfRangeException(nameof(origin), $"origin {origin:yyyy-MM-dd} is outside the history of store {StoreId}");
        if (end + futureDays > TotalDays) throw new ArgumentOutOfRangeException(nameof(futureDays), "the covariates do not reach that far");
        var from = keepDays is { } keep ? Math.Max(0, end - keep) : 0;
        var days = end - from;
        var total = days + futureDays;
        var sales = new float[_items.Length * days];
        var prices = new float[_items.Length * total];
        var stockOut = new ulong[(_items.Length * (long)days + 63) / 64];
        for (var i = 0; i < _items.Length; i++)
        {
            Sales(i).Slice(from, days).CopyTo(sales.AsSpan(i * days));
            Prices(i).Slice(from, total).CopyTo(prices.AsSpan(i * total));
            for (var d = 0; d < days; d++)
            {
                if (!IsStockOut(i, from + d)) continue;
                var bit = (long)i * days + d;
                stockOut[bit >> 6] |= 1UL << (int)(bit & 63);
            }
        }
        var firstDay = _firstDay.Select(f => Math.Clamp(f - from, 0, days)).ToArray();
        return new StoreHistory(StoreId, Region, Size, Start.AddDays(from), origin, futureDays, _items, _categories, firstDay,
            sales, prices, _temperature.AsSpan(from, total).ToArray(), stockOut);
    }
}
