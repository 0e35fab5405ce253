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
        // Histories running past the origin, and the same histories with every later sale changed in
        // every store (so the item's and the chain's pooled seasonal ratios would see it too).
        var origin = fixture.Histories[1].HistoryDays - 30;
        var tamperedAll = fixture.Histories.Select(h => Tamper(h, fromDay: origin)).ToList();
        var poolA = PooledLevels.Build(fixture.Histories);
        var poolB = PooledLevels.Build(tamperedAll);
        var history = fixture.Histories[1];
        var tampered = tamperedAll[1];
        var vocabulary = fixture.Model.Info.Vocabulary;
        var seasonal = new[] { Array.IndexOf(FeatureSet.Names, "seasonWeekRatio"), Array.IndexOf(FeatureSet.Names, "seasonMonthRatio") };
        for (var item = 0; item < history.Items.Count; item++)
        {
            var a = new SeriesWindow(history, item);
            var b = new SeriesWindow(tampered, item);
            for (var target = origin + 2; target < origin + 9; target++)
            {
                foreach (var (pa, pb) in new (LevelPool?, LevelPool?)[] { (null, null), (poolA, poolB) })
                {
                    var fa = new float[FeatureSet.Count];
                    var fb = new float[FeatureSet.Count];
                    Assert.True(FeatureSet.TryBuild(a, vocabulary, pa, origin, target, fa, out var sa));
                    Assert.True(FeatureSet.TryBuild(b, vocabulary, pb, origin, target, fb, out var sb));
                    Assert.Equal(fa, fb);
                    Assert.Equal(sa, sb);
                    // The seasonal ratios are there to compare (a year of history before the origin).
                    Assert.All(seasonal, f => Assert.True(float.IsFinite(fa[f]) && fa[f] > 0, $"{FeatureSet.Names[f]} = {fa[f]}"));
                }
            }
            // The check can fail: moving the origin one day later does see the change.
            var late = new float[FeatureSet.Count];
            var lateTampered = new float[FeatureSet.Count];
            FeatureSet.TryBuild(a, vocabulary, poolA, origin + 1, origin + 3, late, out _);
            FeatureSet.TryBuild(b, vocabulary, poolB, origin + 1, origin + 3, lateTampered, out _);
            Assert.NotEqual(late, lateTampered);
        }
    }

    [Fact]
    public void Seasonal_ratios_read_earlier_years_and_other_stores_but_nothing_from_the_origin_on()
    {
        var origin = fixture.Histories[0].HistoryDays - 30;
        var target = origin + 5;
        var vocabulary = fixture.Model.Info.Vocabulary;
        var week = Array.IndexOf(FeatureSet.Names, "seasonWeekRatio");
        var month = Array.IndexOf(FeatureSet.Names, "seasonMonthRatio");
        float[] Features(IReadOnlyList<StoreHistory> histories, int store, int item)
        {
            var features = new float[FeatureSet.Count];
            Assert.True(FeatureSet.TryBuild(new SeriesWindow(histories[store], item), vocabulary, PooledLevels.Build(histories), origin, target, features, out _));
            return features;
        }
        var honest = Features(fixture.Histories, 0, 2);

        // Other stores' sales from the origin on: no change to this store's features.
        var laterElsewhere = fixture.Histories.Select((h, s) => s == 0 ? h : Tamper(h, origin)).ToList();
        Assert.Equal(honest, Features(laterElsewhere, 0, 2));

        // Other stores' sales a year before the target: the item's pooled ratio moves, and so does this series'.
        var yearAgo = origin - 364;
        var earlierElsewhere = fixture.Histories.Select((h, s) => s == 0 ? h : Tamper(h, yearAgo, yearAgo + 14)).ToList();
        var pooledMoved = Features(earlierElsewhere, 0, 2);
        Assert.NotEqual(honest[week], pooledMoved[week]);
        Assert.NotEqual(honest[month], pooledMoved[month]);

        // The series' own sales a year before the target: its ratio moves further than through the pool alone.
        var earlierHere = fixture.Histories.Select((h, s) => s == 0 ? Tamper(h, yearAgo, yearAgo + 14) : h).ToList();
        var ownMoved = Features(earlierHere, 0, 2);
        Assert.True(Math.Abs(ownMoved[week] - honest[week]) > Math.Abs(pooledMoved[week] - honest[week]),
            $"own {ownMoved[week]}, pooled {pooledMoved[week]}, honest {honest[week]}");
    }

    [Fact]
    public void The_model_carries_the_pooled_ratios_its_per_store_predict_step_needs()
    {
        // Predict sees one store; the item's and the chain's ratios at the run date come with the model.
        var model = ForecastModel.FromBytes(fixture.Model.ToBytes());
        var saved = model.Info.Seasonality;
        Assert.NotNull(saved);
        Assert.Equal(TestData.RunDate, saved.Origin);
        var fromModel = saved.AsPool();
        var fromAllStores = PooledLevels.Build(fixture.Histories);
        var vocabulary = model.Info.Vocabulary;
        var config = model.Info.Config;
        foreach (var history in fixture.Histories)
        {
            var origin = history.HistoryDays;
            for (var item = 0; item < history.Items.Count; item++)
            {
                var window = new SeriesWindow(history, item);
                for (var target = origin + config.LeadTimeDays; target < origin + config.FutureDays; target++)
                {
                    var a = new float[FeatureSet.Count];
                    var b = new float[FeatureSet.Count];
                    Assert.True(FeatureSet.TryBuild(window, vocabulary, fromModel, origin, target, a, out _));
                    Assert.True(FeatureSet.TryBuild(window, vocabulary, fromAllStores, origin, target, b, out _));
                    Assert.Equal(b, a);
                }
            }
        }
        // Another origin is not what the model saved: the saved pool says nothing rather than something wrong.
        var other = fromModel.Item(vocabulary.Items[0], TestData.RunDate.DayNumber - 7, TestData.RunDate.DayNumber - 7 + config.LeadTimeDays);
        Assert.False(other.Week.IsKnown);
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

    /// <summary>A copy whose sales in [<paramref name="fromDay"/>, <paramref name="toDay"/>) (to the end by default) are multiplied and shifted.</summary>
    private static StoreHistory Tamper(StoreHistory history, int fromDay, int? toDay = null)
    {
        var bytes = StoreHistorySerializer.ToBytes(history);
        var copy = StoreHistorySerializer.FromBytes(bytes);
        for (var i = 0; i < copy.Items.Count; i++)
        {
            var sales = copy.RawSales.AsSpan(i * copy.HistoryDays, copy.HistoryDays);
            for (var d = fromDay; d < Math.Min(toDay ?? sales.Length, sales.Length); d++) sales[d] = sales[d] * 3 + 50;
        }
        return copy;
    }
}
