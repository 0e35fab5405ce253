using Serverless.Forecasting.Aggregation;
using Serverless.Forecasting.Backtesting;
using Serverless.Forecasting.Modeling;

namespace Serverless.Forecasting.Tests;

/// <summary>The promotion rule: the model serves only when it beats both naive baselines on the backtest.</summary>
[Collection(ModelCollection.Name)]
public class PromotionTests(ModelFixture fixture)
{
    private static ForecastMetrics Metrics(string method, double wape, double pinball) =>
        new(method, 100, wape * 10, wape, wape, 0, pinball, 0.05, 10, 100, 100);

    private static BacktestReport Report(ForecastMetrics model, ForecastMetrics lastWeek, ForecastMetrics fourWeeks) =>
        new(0.95, [new DateOnly(2024, 5, 1)], [], model, lastWeek, fourWeeks, []);

    [Fact]
    public void A_model_beating_both_baselines_on_wape_and_pinball_is_promoted()
    {
        var decision = ForecastTrainer.Decide(Report(
            Metrics("model", 0.25, 0.8),
            Metrics("same-weekday-last-week", 0.45, 1.7),
            Metrics("mean-of-last-4-same-weekdays", 0.36, 1.4)));
        Assert.True(decision.Promoted);
        Assert.Equal("model", decision.Method);
        Assert.Contains("beats both baselines", decision.Reason);
    }

    [Theory]
    [InlineData(0.40, 0.8, "WAPE 0.4000 is not below mean-of-last-4-same-weekdays's 0.3600")]
    [InlineData(0.25, 1.5, "pinball loss 1.5000 is not below mean-of-last-4-same-weekdays's 1.4000")]
    [InlineData(0.50, 1.8, "is not below same-weekday-last-week's")]
    public void A_model_losing_to_either_baseline_on_either_figure_falls_back_to_the_better_baseline_and_says_why(double wape, double pinball, string reason)
    {
        var decision = ForecastTrainer.Decide(Report(
            Metrics("model", wape, pinball),
            Metrics("same-weekday-last-week", 0.45, 1.7),
            Metrics("mean-of-last-4-same-weekdays", 0.36, 1.4)));
        Assert.False(decision.Promoted);
        Assert.Equal("mean-of-last-4-same-weekdays", decision.Method);   // the lower pinball loss
        Assert.Contains("model not promoted", decision.Reason);
        Assert.Contains(reason, decision.Reason);
        Assert.EndsWith("forecasts fall back to mean-of-last-4-same-weekdays", decision.Reason);
    }

    [Fact]
    public void The_fallback_is_the_baseline_with_the_lower_pinball_loss()
    {
        var decision = ForecastTrainer.Decide(Report(
            Metrics("model", 0.5, 2.0),
            Metrics("same-weekday-last-week", 0.45, 1.2),
            Metrics("mean-of-last-4-same-weekdays", 0.36, 1.4)));
        Assert.Equal(("same-weekday-last-week", false), (decision.Method, decision.Promoted));
    }

    [Fact]
    public void On_the_test_chain_the_trained_model_is_promoted_and_serves_the_forecast()
    {
        var info = fixture.Model.Info;
        Assert.True(info.Promotion.Promoted, info.Promotion.Reason);
        Assert.True(info.Backtest.Model.Wape < info.Backtest.BetterBaselineByWape.Wape);
        Assert.True(info.Backtest.Model.PinballLoss < info.Backtest.BetterBaselineByPinball.PinballLoss);
        var forecast = fixture.Model.Predict(fixture.Histories[0]);
        Assert.Equal("model", forecast.Method);
        Assert.Contains(forecast.Items, i => i.Source == "model");
    }

    [Fact]
    public void A_run_date_too_close_to_the_start_of_the_data_is_a_clear_error()
    {
        var first = TestData.Records.Min(r => r.Date);
        var early = StoreAggregator.AggregateAll(TestData.Records, first.AddDays(40), TestData.Options());
        var error = Assert.Throws<ArgumentException>(() => ForecastTrainer.Train(early, TestData.SmallConfig, "test"));
        Assert.Contains($"run date {first.AddDays(40):yyyy-MM-dd} is too early for the data, which starts {first:yyyy-MM-dd}", error.Message);
        Assert.Contains("backtest.origins", error.Message);
    }
}
