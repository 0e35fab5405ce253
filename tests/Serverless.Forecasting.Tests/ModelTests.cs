using Serverless.Forecasting.Aggregation;
using Serverless.Forecasting.Configuration;
using Serverless.Forecasting.Modeling;
using Serverless.Forecasting.Proposals;

namespace Serverless.Forecasting.Tests;

[Collection(ModelCollection.Name)]
public class ModelTests(ModelFixture fixture)
{
    [Fact]
    public void Predicts_every_item_of_a_store_for_the_target_week_after_the_lead_time()
    {
        var history = fixture.Histories[0];
        var forecast = fixture.Model.Predict(history);
        Assert.Equal(history.RunDate.AddDays(2), forecast.TargetStart);
        Assert.Equal(7, forecast.Days);
        Assert.Equal(history.Items, forecast.Items.Select(i => i.Item));
        Assert.All(forecast.Items, i =>
        {
            Assert.Equal(7, i.Point.Count);
            Assert.All(i.Point, p => Assert.True(p >= 0));
            // Orders lean high: the 95% quantile is above the expected value.
            Assert.True(i.OrderTotal >= i.PointTotal, $"{i.Item}: order {i.OrderTotal} below forecast {i.PointTotal}");
        });
    }

    [Fact]
    public void Backtest_reports_the_model_beside_both_baselines_on_the_same_days()
    {
        var backtest = fixture.Model.Info.Backtest;
        Assert.Equal(2, backtest.Origins.Count);
        Assert.Single(backtest.CalibrationOrigins);
        Assert.Equal(TestData.RunDate.AddDays(-9), backtest.Origins[^1]);
        Assert.Equal(backtest.Origins[^1].AddDays(-7), backtest.Origins[0]);
        Assert.Equal(backtest.Model.Days, backtest.SameWeekdayLastWeek.Days);
        Assert.Equal(backtest.Model.Days, backtest.MeanOfLastFourSameWeekdays.Days);
        Assert.Equal(backtest.Model.RecordedUnits, backtest.SameWeekdayLastWeek.RecordedUnits);
        Assert.Equal(2 * 7 * 3 * 8, backtest.Model.Days);   // 2 origins x 7 days x 3 stores x 8 items
        var promotion = fixture.Model.Info.Promotion;
        Assert.Equal(promotion.Promoted ? "model" : backtest.BetterBaselineByPinball.Method, promotion.Method);
        Assert.False(string.IsNullOrWhiteSpace(promotion.Reason));
    }

    [Fact]
    public void A_model_that_does_not_beat_the_baselines_falls_back_with_a_flag_and_a_reason()
    {
        // One tiny tree learns almost nothing: it cannot beat the naive rules.
        var weak = TestData.SmallConfig with { Model = TestData.SmallConfig.Model with { Iterations = 1, LearningRate = 0.01 } };
        var model = ForecastTrainer.Train(fixture.Histories, weak, "test");
        Assert.False(model.Info.Promotion.Promoted);
        Assert.Equal(model.Info.Backtest.BetterBaselineByPinball.Method, model.Method);
        Assert.Contains("not promoted", model.Info.Promotion.Reason);
        var forecast = model.Predict(fixture.Histories[0]);
        Assert.Equal(model.Method, forecast.Method);
        Assert.All(forecast.Items, i => Assert.Equal(model.Method, i.Source));
    }

    [Fact]
    public void The_model_serializes_to_bytes_and_loads_back_with_identical_predictions()
    {
        var bytes = fixture.Model.ToBytes();
        var loaded = ForecastModel.FromBytes(bytes);
        Assert.Equal(fixture.Model.Info.ModelVersion, loaded.Info.ModelVersion);
        Assert.Equal(fixture.Model.Info.Backtest.Model, loaded.Info.Backtest.Model);
        foreach (var history in fixture.Histories)
        {
            Assert.Equal(fixture.Model.Predict(history), loaded.Predict(history), ForecastComparer.Instance);
        }
        Assert.Throws<InvalidDataException>(() => ForecastModel.FromBytes([0, 0, 0, 0, 1, 0, 0, 0]));
    }

    [Fact]
    public void Same_data_config_and_seed_give_byte_identical_predictions_and_proposals()
    {
        // Trained again from freshly aggregated data: nothing is shared with the fixture's run.
        var histories = TestData.Histories();
        var again = ForecastTrainer.Train(histories, TestData.SmallConfig, "test");
        Assert.Equal(fixture.Model.Info.ModelVersion, again.Info.ModelVersion);
        Assert.Equal(fixture.Model.Info.Backtest, again.Info.Backtest, new JsonEquality<Backtesting.BacktestReport>());
        foreach (var history in histories)
        {
            var first = fixture.Model.Predict(fixture.Histories.First(h => h.StoreId == history.StoreId));
            var second = again.Predict(history);
            Assert.Equal(ForecastComparer.Describe(first), ForecastComparer.Describe(second));
            var hash = StoreHistorySerializer.ContentHash(history);
            var p1 = OrderProposalBuilder.Build(first, [], fixture.Model.Info, hash, "test");
            var p2 = OrderProposalBuilder.Build(second, [], again.Info, hash, "test");
            Assert.Equal(p1.Csv, p2.Csv);
            Assert.Equal(p1.Json, p2.Json);
            Assert.Equal(p1.ManifestJson, p2.ManifestJson);
        }
    }

    [Fact]
    public void Another_seed_changes_the_model()
    {
        var config = TestData.SmallConfig with { Model = TestData.SmallConfig.Model with { Seed = 99 } };
        var other = ForecastTrainer.Train(fixture.Histories, config, "test");
        Assert.NotEqual(fixture.Model.Info.ModelVersion, other.Info.ModelVersion);
    }

    [Fact]
    public void Training_rejects_histories_with_different_run_dates_or_unknown_stores()
    {
        var shifted = fixture.Histories[0].TruncateTo(TestData.RunDate.AddDays(-7), 9);
        Assert.Throws<ArgumentException>(() => ForecastTrainer.Train([shifted, fixture.Histories[1]], TestData.SmallConfig));
        var unknown = TestData.SmallConfig with { Stores = ["S99"] };
        var error = Assert.Throws<ForecastConfigException>(() => ForecastTrainer.Train(fixture.Histories, unknown));
        Assert.Contains("'S99'", error.Message);
    }
}

/// <summary>Equality by JSON text, for records holding lists.</summary>
internal sealed class JsonEquality<T> : IEqualityComparer<T>
{
    public bool Equals(T? x, T? y) => Text(x) == Text(y);

    public int GetHashCode(T obj) => Text(obj).GetHashCode(StringComparison.Ordinal);

    private static string Text(T? value) => System.Text.Json.JsonSerializer.Serialize(value,
        new System.Text.Json.JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });
}

[Collection(ModelCollection.Name)]
public class ForecastJsonTests(ModelFixture fixture)
{
    [Fact]
    public void A_store_forecast_round_trips_through_json_to_the_same_bytes()
    {
        var forecast = fixture.Model.Predict(fixture.Histories[0]);
        var bytes = forecast.ToJsonBytes();
        var back = Forecasts.StoreForecast.FromJson(bytes, "forecast.json");
        Assert.Equal(ForecastComparer.Describe(forecast), ForecastComparer.Describe(back));
        Assert.Equal(bytes, back.ToJsonBytes());
        var text = System.Text.Encoding.UTF8.GetString(bytes);
        Assert.Contains("\"targetStart\":\"" + forecast.TargetStart.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) + "\"", text);
        Assert.DoesNotContain("targetDates", text);
        var error = Assert.Throws<FormatException>(() => Forecasts.StoreForecast.FromJson("{\n \"store\": 5 }"u8, "forecast.json"));
        Assert.StartsWith("forecast.json: line 2:", error.Message);
    }

    [Fact]
    public void A_review_result_round_trips_through_json()
    {
        var forecasts = fixture.Histories.Select(fixture.Model.Predict).ToList();
        var review = Review.ForecastReviewer.Review(forecasts, fixture.Histories.Select(Review.StoreSeriesList.Of).ToList(),
            TestData.SmallConfig.Review with { MaxRatioToRecent = 1.05, MaxWeekOverWeekRatio = 1.05, MinWeeklyUnits = 0 });
        Assert.NotEmpty(review.Flags);
        var back = Review.ReviewResult.FromJson(review.ToJsonBytes(), "review.json");
        Assert.Equal(review.Flags, back.Flags);
        Assert.Equal((review.SeriesChecked, review.IsClean), (back.SeriesChecked, back.IsClean));
    }
}
