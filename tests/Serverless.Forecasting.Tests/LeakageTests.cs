using Serverless.Forecasting.Aggregation;
using Serverless.Forecasting.Features;
using Serverless.Forecasting.Modeling;

namespace Serverless.Forecasting.Tests;

[Collection(ModelCollection.Name)]
public class LeakageTests(ModelFixture fixture)
{
    [Fact]
    public void Changing_every_sale_on_or_after_the_run_date_changes_neither_history_nor_forecast()
    {
        var runDate = TestData.RunDate.AddDays(-21);
        var honest = StoreAggregator.AggregateAll(TestData.Records, runDate, TestData.Options());
        var tampered = StoreAggregator.AggregateAll(
            TestData.Records.Select(r => r.Date >= runDate ? r with { Sales = r.Sales * 10 + 1000, Price = 1 } : r), runDate, TestData.Options());

        Assert.Equal(StoreHistorySerializer.ContentHash(honest), StoreHistorySerializer.ContentHash(tampered));
        for (var s = 0; s < honest.Count; s++)
        {
            Assert.Equal(fixture.Model.Predict(honest[s]), fixture.Model.Predict(tampered[s]), ForecastComparer.Instance);
        }
    }

    [Fact]
    public void Features_of_the_target_week_read_no_sales_from_the_origin_on()
    {
        // A history running past the origin, and the same history with every later sale changed.
        var history = fixture.Histories[1];
        var origin = history.HistoryDays - 30;
        var tampered = Tamper(history, fromDay: origin);
        var vocabulary = fixture.Model.Info.Vocabulary;
        for (var item = 0; item < history.Items.Count; item++)
        {
            var a = new SeriesWindow(history, item);
            var b = new SeriesWindow(tampered, item);
            for (var target = origin + 2; target < origin + 9; target++)
            {
                var fa = new float[FeatureSet.Count];
                var fb = new float[FeatureSet.Count];
                Assert.True(FeatureSet.TryBuild(a, vocabulary, origin, target, fa, out var sa));
                Assert.True(FeatureSet.TryBuild(b, vocabulary, origin, target, fb, out var sb));
                Assert.Equal(fa, fb);
                Assert.Equal(sa, sb);
            }
            // The check can fail: moving the origin one day later does see the change.
            var late = new float[FeatureSet.Count];
            var lateTampered = new float[FeatureSet.Count];
            FeatureSet.TryBuild(a, vocabulary, origin + 1, origin + 3, late, out _);
            FeatureSet.TryBuild(b, vocabulary, origin + 1, origin + 3, lateTampered, out _);
            Assert.NotEqual(late, lateTampered);
        }
    }

    [Fact]
    public void A_backtest_origin_trains_only_on_days_before_it()
    {
        var origin = TestData.RunDate.AddDays(-40);
        var config = TestData.SmallConfig;
        var vocabulary = fixture.Model.Info.Vocabulary;
        var tampered = fixture.Histories.Select(h => Tamper(h, h.DayOf(origin))).ToList();
        var a = ForecastTrainer.BuildTrainingSet(ForecastTrainer.AsOf(fixture.Histories, origin, config), vocabulary, config);
        var b = ForecastTrainer.BuildTrainingSet(ForecastTrainer.AsOf(tampered, origin, config), vocabulary, config);
        Assert.True(a.Count > 1000);
        // The same tampering does change a training set that may see the origin's days.
        var seeing = ForecastTrainer.BuildTrainingSet(ForecastTrainer.AsOf(tampered, origin.AddDays(7), config), vocabulary, config);
        var honestSeeing = ForecastTrainer.BuildTrainingSet(ForecastTrainer.AsOf(fixture.Histories, origin.AddDays(7), config), vocabulary, config);
        Assert.NotEqual(honestSeeing.Rows().Select(r => r.Label), seeing.Rows().Select(r => r.Label));
        Assert.Equal(a.Rows().Select(r => (r.Label, r.Weight, string.Join(",", r.Features))), b.Rows().Select(r => (r.Label, r.Weight, string.Join(",", r.Features))));
    }

    [Fact]
    public void A_backtest_origin_sees_a_temperature_outlook_made_that_day_not_the_observed_temperature()
    {
        var origin = TestData.RunDate.AddDays(-40);
        var config = TestData.SmallConfig;
        var hotter = fixture.Histories.Select(h => Heat(h, h.DayOf(origin))).ToList();
        var honest = ForecastTrainer.AsOf(fixture.Histories, origin, config);
        var tampered = ForecastTrainer.AsOf(hotter, origin, config);
        for (var s = 0; s < honest.Count; s++)
        {
            Assert.Equal(honest[s].RawTemperature, tampered[s].RawTemperature);
            var history = honest[s];
            var observed = fixture.Histories[s];
            var ahead = Enumerable.Range(history.HistoryDays, history.FutureDays).ToList();
            // An outlook, not the observation: it differs, but stays in the seasonal range.
            Assert.NotEqual(ahead.Select(d => history.Temperature[d]), ahead.Select(d => observed.Temperature[observed.DayOf(history.DateOf(d))]));
            Assert.All(ahead, d => Assert.InRange(history.Temperature[d] - observed.Temperature[observed.DayOf(history.DateOf(d))], -10f, 10f));
        }
        // The check can fail: heating the day before the origin moves the outlook.
        var earlier = ForecastTrainer.AsOf(fixture.Histories.Select(h => Heat(h, h.DayOf(origin) - 1)).ToList(), origin, config);
        Assert.NotEqual(honest[0].RawTemperature, earlier[0].RawTemperature);
    }

    /// <summary>A copy 8 degrees hotter from <paramref name="fromDay"/> on.</summary>
    private static StoreHistory Heat(StoreHistory history, int fromDay)
    {
        var copy = StoreHistorySerializer.FromBytes(StoreHistorySerializer.ToBytes(history));
        for (var d = fromDay; d < copy.RawTemperature.Length; d++) copy.RawTemperature[d] += 8;
        return copy;
    }

    /// <summary>A copy whose sales from <paramref name="fromDay"/> on are multiplied and shifted.</summary>
    private static StoreHistory Tamper(StoreHistory history, int fromDay)
    {
        var bytes = StoreHistorySerializer.ToBytes(history);
        var copy = StoreHistorySerializer.FromBytes(bytes);
        for (var i = 0; i < copy.Items.Count; i++)
        {
            var sales = copy.RawSales.AsSpan(i * copy.HistoryDays, copy.HistoryDays);
            for (var d = fromDay; d < sales.Length; d++) sales[d] = sales[d] * 3 + 50;
        }
        return copy;
    }
}
