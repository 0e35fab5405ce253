using Serverless.Forecasting.Aggregation;
using Serverless.Forecasting.Data;
using Serverless.Forecasting.Import;

namespace Serverless.Forecasting.Tests;

public class AggregationTests
{
    private static readonly DateOnly D0 = new(2024, 1, 1);

    private static SalesRecord Row(int day, string item, float sales, float price = float.NaN, string store = "A") =>
        new(D0.AddDays(day), store, item, sales, price);

    [Fact]
    public void Missing_days_are_zero_and_price_carries_forward()
    {
        var rows = new[] { Row(0, "tea", 5, 100), Row(3, "tea", 2), Row(4, "tea", 1, 80), Row(1, "water", 7, 50) };
        var history = StoreAggregator.Aggregate(rows, "A", D0.AddDays(6), new AggregationOptions { FutureDays = 2 });
        Assert.Equal(D0, history.Start);
        Assert.Equal(6, history.HistoryDays);
        Assert.Equal(["tea", "water"], history.Items);
        Assert.Equal([5f, 0, 0, 2, 1, 0], history.Sales(0).ToArray());
        Assert.Equal([100f, 100, 100, 100, 80, 80, 80, 80], history.Prices(0).ToArray());
        Assert.Equal([0f, 7, 0, 0, 0, 0], history.Sales(1).ToArray());
        Assert.Equal(1, history.FirstDay(1));
        Assert.Equal([50f, 50, 50, 50, 50, 50, 50, 50], history.Prices(1).ToArray());
    }

    [Fact]
    public void Rows_on_or_after_the_run_date_are_ignored()
    {
        var rows = new[] { Row(0, "tea", 5, 100), Row(1, "tea", 6, 90), Row(2, "tea", 99, 10) };
        var history = StoreAggregator.Aggregate(rows, "A", D0.AddDays(1), new AggregationOptions { FutureDays = 1 });
        Assert.Equal([5f], history.Sales(0).ToArray());
        Assert.Equal([100f, 100], history.Prices(0).ToArray());
    }

    [Fact]
    public void The_price_plan_fills_the_days_after_the_run_date()
    {
        var plan = new PricePlan();
        plan.Set("A", "tea", D0.AddDays(3), 70);
        var history = StoreAggregator.Aggregate([Row(0, "tea", 5, 100)], "A", D0.AddDays(2), new AggregationOptions { FutureDays = 3, PricePlan = plan });
        Assert.Equal([100f, 100, 100, 70, 70], history.Prices(0).ToArray());
    }

    [Fact]
    public void A_run_date_before_the_data_starts_is_a_clear_error()
    {
        var error = Assert.Throws<ArgumentException>(() => StoreAggregator.Aggregate([Row(5, "tea", 1)], "A", D0.AddDays(2)));
        Assert.Contains("run date 2024-01-03 is before the data of store 'A' starts", error.Message);
        Assert.Throws<ArgumentException>(() => StoreAggregator.Aggregate([Row(0, "tea", 1)], "B", D0.AddDays(2)));
    }

    [Fact]
    public void Unsorted_rows_give_the_same_history_as_sorted_ones()
    {
        var rows = Enumerable.Range(0, 40).Select(d => Row(d, d % 2 == 0 ? "tea" : "water", d, 100 + d)).ToList();
        var sorted = StoreAggregator.Aggregate(rows, "A", D0.AddDays(40));
        var shuffled = StoreAggregator.Aggregate(rows.OrderBy(r => (r.Date.DayNumber * 7919) % 41), "A", D0.AddDays(40));
        Assert.Equal(StoreHistorySerializer.ToBytes(sorted), StoreHistorySerializer.ToBytes(shuffled));
    }

    [Fact]
    public void A_history_window_keeps_the_last_price_from_before_it()
    {
        var rows = new[] { Row(0, "tea", 5, 100), Row(8, "tea", 1) };
        var history = StoreAggregator.Aggregate(rows, "A", D0.AddDays(10), new AggregationOptions { FutureDays = 0, MaxHistoryDays = 4 });
        Assert.Equal(D0.AddDays(6), history.Start);
        Assert.Equal([0f, 0, 1, 0], history.Sales(0).ToArray());
        Assert.All(history.Prices(0).ToArray(), p => Assert.Equal(100f, p));
    }

    [Fact]
    public void Stock_out_days_come_from_the_rows_or_from_a_stockout_file()
    {
        var stockouts = StockoutDays.ReadCsv(new StringReader("date,store,item\n2024-01-02,A,tea\n"), "stockouts.csv");
        var rows = new[] { Row(0, "tea", 5), Row(1, "tea", 1), Row(2, "tea", 1) with { StockOut = true } };
        var history = StoreAggregator.Aggregate(rows, "A", D0.AddDays(3), new AggregationOptions { Stockouts = stockouts });
        Assert.Equal([false, true, true], Enumerable.Range(0, 3).Select(d => history.IsStockOut(0, d)).ToArray());
    }

    [Fact]
    public void Serialization_round_trips_to_identical_bytes_and_hash()
    {
        var history = TestData.Histories()[0];
        var bytes = StoreHistorySerializer.ToBytes(history);
        var copy = StoreHistorySerializer.FromBytes(bytes);
        Assert.Equal(bytes, StoreHistorySerializer.ToBytes(copy));
        Assert.Equal(StoreHistorySerializer.ContentHash(history), StoreHistorySerializer.ContentHash(copy));
        Assert.Equal(history.Sales(2).ToArray(), copy.Sales(2).ToArray());
        Assert.Equal(history.Region, copy.Region);
        // Compact: about 8 bytes per item-day plus the temperature.
        Assert.True(bytes.Length < history.Items.Count * history.TotalDays * 9 + history.TotalDays * 4 + 1024);
        Assert.Throws<InvalidDataException>(() => StoreHistorySerializer.FromBytes([1, 2, 3, 4, 5, 6, 7, 8]));
    }

    [Fact]
    public void Truncating_cuts_everything_from_the_origin_on()
    {
        var history = TestData.Histories()[0];
        var origin = history.RunDate.AddDays(-30);
        var cut = history.TruncateTo(origin, 9, keepDays: 100);
        Assert.Equal((origin, 100, 109), (cut.RunDate, cut.HistoryDays, cut.TotalDays));
        Assert.Equal(history.Sales(1).Slice(history.DayOf(origin) - 100, 100).ToArray(), cut.Sales(1).ToArray());
    }
}
