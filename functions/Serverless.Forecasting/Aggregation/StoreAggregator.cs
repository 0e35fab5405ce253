using Serverless.Forecasting.Data;

namespace Serverless.Forecasting.Aggregation;

/// <summary>
/// Turns imported rows into <see cref="StoreHistory"/> series: daily units per item for dates
/// strictly before the run date, missing days as zero, price carried forward. Rows on or after the
/// run date are ignored entirely, so nothing from the future can reach a forecast.
/// </summary>
public static class StoreAggregator
{
    /// <summary>One store (the fan-out step). Throws when the store has no rows before the run date.</summary>
    public static StoreHistory Aggregate(IEnumerable<SalesRecord> records, string storeId, DateOnly runDate, AggregationOptions? options = null)
    {
        var all = AggregateCore(records, runDate, options ?? new(), storeId);
        return all.TryGetValue(storeId, out var builder)
            ? builder.Build(storeId, runDate, options ?? new())
            : throw new ArgumentException($"store '{storeId}' has no sales rows in the data.", nameof(storeId));
    }

    /// <summary>Every store in one pass over the rows, ordered by store id.</summary>
    public static IReadOnlyList<StoreHistory> AggregateAll(IEnumerable<SalesRecord> records, DateOnly runDate, AggregationOptions? options = null)
    {
        options ??= new();
        var all = AggregateCore(records, runDate, options, onlyStore: null);
        return all.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value.Build(p.Key, runDate, options)).ToList();
    }

    private static Dictionary<string, StoreBuilder> AggregateCore(IEnumerable<SalesRecord> records, DateOnly runDate, AggregationOptions options, string? onlyStore)
    {
        var cutoff = options.MaxHistoryDays is { } max ? runDate.AddDays(-max).DayNumber : int.MinValue;
        var stores = new Dictionary<string, StoreBuilder>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            if (onlyStore is not null && !string.Equals(record.Store, onlyStore, StringComparison.Ordinal)) continue;
            if (!stores.TryGetValue(record.Store, out var store)) stores[record.Store] = store = new StoreBuilder();
            if (record.Date >= runDate)
            {
                store.NoteLaterRow();
                continue;
            }
            var stockOut = record.StockOut || (options.Stockouts?.Contains(record.Store, record.Item, record.Date) ?? false);
            store.Add(record.Item, record.Date.DayNumber, record.Sales, record.Price, stockOut, cutoff, runDate.DayNumber);
        }
        return stores;
    }

    private sealed class StoreBuilder
    {
        private readonly Dictionary<string, SeriesBuilder> _items = new(StringComparer.Ordinal);
        private bool _hasLaterRows;

        public void NoteLaterRow() => _hasLaterRows = true;

        public void Add(string item, int day, float sales, float price, bool stockOut, int cutoff, int runDay)
        {
            if (!_items.TryGetValue(item, out var series)) _items[item] = series = new SeriesBuilder();
            series.Add(day, sales, price, stockOut, cutoff, runDay);
        }

        public StoreHistory Build(string storeId, DateOnly runDate, AggregationOptions options)
        {
            var withRows = _items.Where(p => p.Value.HasRows).ToList();
            if (withRows.Count == 0)
            {
                throw new ArgumentException(_hasLaterRows
                    ? $"run date {runDate:yyyy-MM-dd} is before the data of store '{storeId}' starts: it has no sales before that day."
                    : $"store '{storeId}' has no sales rows before {runDate:yyyy-MM-dd}.");
            }
            var startDay = withRows.Min(p => p.Value.FirstDay);
            if (options.MaxHistoryDays is { } max) startDay = Math.Max(startDay, runDate.AddDays(-max).DayNumber);
            var start = DateOnly.FromDayNumber(startDay);
            var historyDays = runDate.DayNumber - startDay;
            var totalDays = historyDays + options.FutureDays;
            var items = _items.Keys.Order(StringComparer.Ordinal).ToArray();
            var sales = new float[items.Length * historyDays];
            var prices = new float[items.Length * totalDays];
            var stockOut = new ulong[(items.Length * (long)historyDays + 63) / 64];
            var firstDay = new int[items.Length];
            var storeInfo = options.Catalogue?.FindStore(storeId);
            for (var i = 0; i < items.Length; i++)
            {
                var series = _items[items[i]];
                firstDay[i] = series.HasRows ? Math.Max(0, series.FirstDay - startDay) : historyDays;
                series.CopyTo(items[i], storeId, startDay, historyDays, options,
                    sales.AsSpan(i * historyDays, historyDays), prices.AsSpan(i * totalDays, totalDays),
                    (day) =>
                    {
                        var bit = (long)i * historyDays + day;
                        stockOut[bit >> 6] |= 1UL << (int)(bit & 63);
                    });
            }
            var temperature = new float[totalDays];
            for (var d = 0; d < totalDays; d++)
            {
                temperature[d] = storeInfo is null || options.Weather is null ? float.NaN : options.Weather.Get(storeInfo.Region, start.AddDays(d));
            }
            var categories = items.Select(i => options.Catalogue?.FindItem(i)?.Category).ToArray();
            return new StoreHistory(storeId, storeInfo?.Region, storeInfo is null ? float.NaN : (float)storeInfo.Size,
                start, runDate, options.FutureDays, items, categories, firstDay, sales, prices, temperature, stockOut);
        }
    }

    /// <summary>A growable day-indexed series; tolerates unsorted rows by re-basing.</summary>
    private sealed class SeriesBuilder
    {
        private int _base = int.MinValue;
        private float[] _sales = [];
        private float[] _prices = [];
        private bool[] _present = [];
        private bool[] _stockOut = [];
        private int _lastPriceDayBeforeCutoff = int.MinValue;
        private float _lastPriceBeforeCutoff = float.NaN;

        public bool HasRows { get; private set; }

        public int FirstDay { get; private set; } = int.MaxValue;

        public void Add(int day, float sales, float price, bool stockOut, int cutoff, int runDay)
        {
            if (day < cutoff)
            {
                // Older than the kept window: only the latest price matters (to carry it forward).
                if (!float.IsNaN(price) && day > _lastPriceDayBeforeCutoff)
                {
                    _lastPriceDayBeforeCutoff = day;
                    _lastPriceBeforeCutoff = price;
                }
                FirstDay = Math.Min(FirstDay, day);
                HasRows = true;
                return;
            }
            if (_base == int.MinValue)
            {
                // With a window the size is known up front: allocate it once.
                _base = cutoff == int.MinValue ? day : cutoff;
                if (cutoff != int.MinValue) Grow(runDay - cutoff, exact: true);
            }
            if (day < _base) Rebase(day);
            var index = day - _base;
            if (index >= _sales.Length) Grow(index + 1);
            _sales[index] = sales;
            _prices[index] = price;
            _present[index] = true;
            _stockOut[index] = stockOut;
            FirstDay = Math.Min(FirstDay, day);
            HasRows = true;
        }

        public void CopyTo(string item, string store, int startDay, int historyDays, AggregationOptions options,
            Span<float> sales, Span<float> prices, Action<int> markStockOut)
        {
            var price = _lastPriceBeforeCutoff;
            var firstKnownPrice = float.NaN;
            for (var i = 0; i < _prices.Length && float.IsNaN(firstKnownPrice); i++)
            {
                if (_present[i] && !float.IsNaN(_prices[i])) firstKnownPrice = _prices[i];
            }
            if (float.IsNaN(price)) price = firstKnownPrice;  // before the first price, assume the first one
            for (var d = 0; d < historyDays; d++)
            {
                var index = startDay + d - _base;
                if (_base != int.MinValue && index >= 0 && index < _sales.Length && _present[index])
                {
                    sales[d] = _sales[index];
                    if (!float.IsNaN(_prices[index])) price = _prices[index];
                    if (_stockOut[index]) markStockOut(d);
                }
                prices[d] = price;
            }
            for (var d = historyDays; d < prices.Length; d++)
            {
                var date = DateOnly.FromDayNumber(startDay + d);
                if (options.PricePlan is not null && options.PricePlan.TryGet(store, item, date, out var planned)) price = planned;
                prices[d] = price;
            }
        }

        private void Grow(int length, bool exact = false)
        {
            var size = exact ? length : Math.Max(length, Math.Max(64, _sales.Length * 2));
            Array.Resize(ref _sales, size);
            Array.Resize(ref _prices, size);
            Array.Resize(ref _present, size);
            Array.Resize(ref _stockOut, size);
        }

        private void Rebase(int newBase)
        {
            var shift = _base - newBase;
            float[] Shift(float[] a) { var b = new float[a.Length + shift]; Array.Copy(a, 0, b, shift, a.Length); return b; }
            bool[] ShiftBool(bool[] a) { var b = new bool[a.Length + shift]; Array.Copy(a, 0, b, shift, a.Length); return b; }
            _sales = Shift(_sales);
            _prices = Shift(_prices);
            _present = ShiftBool(_present);
            _stockOut = ShiftBool(_stockOut);
            _base = newBase;
        }
    }
}
