using System.Text;
using System.Text.Json;
using Serverless.Forecasting.Aggregation;
using Serverless.Forecasting.Proposals;

namespace Serverless.Forecasting.Tests;

[Collection(ModelCollection.Name)]
public class ProposalTests(ModelFixture fixture)
{
    private (Forecasts.StoreForecast Forecast, string Hash) StoreS01()
    {
        var history = fixture.Histories.First(h => h.StoreId == "S01");
        return (fixture.Model.Predict(history), StoreHistorySerializer.ContentHash(history));
    }

    [Fact]
    public void Without_overrides_the_proposal_lists_every_item_and_day_with_the_forecast_orders()
    {
        var (forecast, hash) = StoreS01();
        var proposal = OrderProposalBuilder.Build(forecast, [], fixture.Model.Info, hash, "abc123");
        var lines = Encoding.UTF8.GetString(proposal.Csv).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("store,item,date,forecast,proposed_order,order,overridden", lines[0]);
        Assert.Equal(forecast.Items.Count * 7, lines.Length - 1);
        // Lines run item by item in ordinal order, each over the days of the target week.
        var first = forecast.Items.OrderBy(i => i.Item, StringComparer.Ordinal).First();
        Assert.Equal($"S01,{first.Item},{forecast.TargetStart:yyyy-MM-dd},{first.Point[0].ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)},{first.Order[0]},{first.Order[0]},false", lines[1]);

        var m = proposal.Manifest;
        Assert.Equal((forecast.RunDate, forecast.TargetStart, forecast.TargetStart.AddDays(7)), (m.RunDate, m.TargetStart, m.TargetEnd));
        Assert.Equal((hash, "abc123", fixture.Model.Version), (m.StoreDataHash, m.CodeVersion, m.ModelVersion));
        Assert.Equal(fixture.Model.Info.TrainingDataHash, m.TrainingDataHash);
        Assert.Equal(3, m.BacktestMetrics.Count);
        Assert.Empty(m.Overrides);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(proposal.Csv)), m.CsvSha256);
        using var manifest = JsonDocument.Parse(proposal.ManifestJson);
        Assert.Equal(0.95, manifest.RootElement.GetProperty("parameters").GetProperty("serviceLevel").GetDouble());
    }

    [Fact]
    public void Overrides_replace_orders_per_week_or_per_day_and_are_recorded()
    {
        var (forecast, hash) = StoreS01();
        var overrides = new[]
        {
            OrderOverride.ForWeek("S01", "water-2l", 100, "festival"),
            OrderOverride.ForDays("S01", "cola-500", [1, 2, 3, 4, 5, 6, 7]),
            OrderOverride.ForWeek("S02", "water-2l", 5),   // another store's: ignored here
        };
        var proposal = OrderProposalBuilder.Build(forecast, overrides, fixture.Model.Info, hash, "test");
        using var json = JsonDocument.Parse(proposal.Json);
        var totals = json.RootElement.GetProperty("totals").EnumerateArray().ToDictionary(t => t.GetProperty("item").GetString()!, t => t.GetProperty("order").GetInt32());
        Assert.Equal(100, totals["water-2l"]);
        Assert.Equal(28, totals["cola-500"]);
        Assert.Equal(forecast.Find("green-tea-500")!.OrderTotal, totals["green-tea-500"]);
        var applied = proposal.Manifest.Overrides;
        Assert.Equal(["cola-500", "water-2l"], applied.Select(a => a.Item).ToArray());
        Assert.Equal("festival", applied[1].Reason);
        Assert.Equal(forecast.Find("water-2l")!.Order, applied[1].ProposedOrders);
        Assert.Contains("S01,cola-500," + forecast.TargetStart.AddDays(6).ToString("yyyy-MM-dd") + ",", Encoding.UTF8.GetString(proposal.Csv));
        Assert.Contains(",7,true\n", Encoding.UTF8.GetString(proposal.Csv));
    }

    [Fact]
    public void Weekly_units_spread_like_the_proposed_orders_and_add_up_exactly()
    {
        Assert.Equal([1, 2, 1, 2, 1, 2, 1], OrderProposalBuilder.Spread(10, [1, 2, 1, 2, 1, 2, 1]));
        Assert.Equal([3, 2, 2, 2, 2, 2, 2], OrderProposalBuilder.Spread(15, [0, 0, 0, 0, 0, 0, 0]));
        Assert.Equal(101, OrderProposalBuilder.Spread(101, [5, 9, 3, 0, 7, 11, 4]).Sum());
    }

    [Fact]
    public void Bad_overrides_are_clear_errors()
    {
        var (forecast, hash) = StoreS01();
        var info = fixture.Model.Info;
        Assert.Contains("unknown item", Assert.Throws<ArgumentException>(() =>
            OrderProposalBuilder.Build(forecast, [OrderOverride.ForWeek("S01", "sake", 3)], info, hash, "t")).Message);
        Assert.Contains("6 daily values for a 7-day week", Assert.Throws<ArgumentException>(() =>
            OrderProposalBuilder.Build(forecast, [OrderOverride.ForDays("S01", "cola-500", [1, 1, 1, 1, 1, 1])], info, hash, "t")).Message);
        Assert.Contains("not both", Assert.Throws<ArgumentException>(() =>
            OrderProposalBuilder.Build(forecast, [new OrderOverride("S01", "cola-500", 3, [1, 1, 1, 1, 1, 1, 1])], info, hash, "t")).Message);
        Assert.Contains("negative", Assert.Throws<ArgumentException>(() =>
            OrderProposalBuilder.Build(forecast, [OrderOverride.ForWeek("S01", "cola-500", -1)], info, hash, "t")).Message);
        Assert.Contains("more than one override", Assert.Throws<ArgumentException>(() =>
            OrderProposalBuilder.Build(forecast, [OrderOverride.ForWeek("S01", "cola-500", 1), OrderOverride.ForWeek("S01", "cola-500", 2)], info, hash, "t")).Message);
    }

    [Fact]
    public void Publishing_twice_gives_the_same_bytes_and_a_different_override_does_not()
    {
        var (forecast, hash) = StoreS01();
        var a = OrderProposalBuilder.Build(forecast, [OrderOverride.ForWeek("S01", "water-2l", 50)], fixture.Model.Info, hash, "t");
        var b = OrderProposalBuilder.Build(forecast, [OrderOverride.ForWeek("S01", "water-2l", 50)], fixture.Model.Info, hash, "t");
        var c = OrderProposalBuilder.Build(forecast, [OrderOverride.ForWeek("S01", "water-2l", 51)], fixture.Model.Info, hash, "t");
        Assert.Equal(a.Csv, b.Csv);
        Assert.Equal(a.Json, b.Json);
        Assert.Equal(a.ManifestJson, b.ManifestJson);
        Assert.NotEqual(a.Manifest.CsvSha256, c.Manifest.CsvSha256);
    }
}
