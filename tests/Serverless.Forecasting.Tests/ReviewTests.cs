using Serverless.Forecasting.Configuration;
using Serverless.Forecasting.Forecasts;
using Serverless.Forecasting.Review;

namespace Serverless.Forecasting.Tests;

public class ReviewTests
{
    private static readonly ReviewSettings Settings = new() { MaxRatioToRecent = 2.0, MaxWeekOverWeekRatio = 1.8, MinWeeklyUnits = 14, StaleHistoryDays = 28 };

    private static ItemForecast Item(string item, double perDay, double[] weeks, int daysSinceLastSale = 1, double[]? points = null) =>
        new(item, points ?? Enumerable.Repeat(perDay, 7).ToArray(), Enumerable.Repeat((int)Math.Ceiling(perDay * 1.3), 7).ToArray(), "model",
            new RecentHistory(weeks, daysSinceLastSale));

    private static StoreForecast Store(string store, params ItemForecast[] items) =>
        new(store, new DateOnly(2026, 11, 23), new DateOnly(2026, 11, 25), 7, 0.95, "model", "fm-test", items);

    private static ReviewResult Review(StoreForecast forecast, params StoreSeriesList[] expected) =>
        ForecastReviewer.Review([forecast], expected.Length == 0 ? [new StoreSeriesList(forecast.Store, forecast.Items.Select(i => i.Item).ToList())] : expected, Settings);

    [Fact]
    public void A_forecast_in_line_with_recent_weeks_is_clean_and_approves_on_deadline()
    {
        var result = Review(Store("S1", Item("tea", 10, [70, 68, 72, 71])));
        Assert.Empty(result.Flags);
        Assert.True(result.IsClean);
        Assert.Equal(DeadlineDecision.Approve, result.OnDeadline(DeadlinePolicy.AutoApproveWhenClean));
        Assert.Equal(DeadlineDecision.HoldAndNotify, result.OnDeadline(DeadlinePolicy.AlwaysHold));
    }

    [Fact]
    public void A_forecast_far_from_the_last_four_weeks_is_flagged()
    {
        var result = Review(Store("S1", Item("tea", 40, [70, 68, 250, 71])));  // 280 a week vs mean 114.75
        var flag = Assert.Single(result.Flags, f => f.Kind == ReviewFlagKind.FarFromRecentWeeks);
        Assert.Equal(("S1", "tea", ReviewSeverity.Warning), (flag.Store, flag.Item, flag.Severity));
        Assert.Contains("2.4x", flag.Message);
        Assert.Equal(DeadlineDecision.HoldAndNotify, result.OnDeadline(DeadlinePolicy.AutoApproveWhenClean));
    }

    [Fact]
    public void A_collapse_far_below_recent_weeks_is_critical()
    {
        var result = Review(Store("S1", Item("tea", 1, [70, 68, 72, 71])));
        Assert.Contains(result.Flags, f => f.Kind == ReviewFlagKind.FarFromRecentWeeks && f.Severity == ReviewSeverity.Critical);
    }

    [Fact]
    public void A_jump_from_last_week_is_flagged()
    {
        var result = Review(Store("S1", Item("tea", 20, [120, 130, 140, 60])));   // 140 vs last week's 60
        var flag = Assert.Single(result.Flags);
        Assert.Equal(ReviewFlagKind.WeekOverWeekJump, flag.Kind);
        Assert.Contains("last week's 60", flag.Message);
    }

    [Fact]
    public void Small_series_are_not_flagged_for_ratios()
    {
        Assert.Empty(Review(Store("S1", Item("tea", 1, [2, 0, 1, 3]))).Flags);
    }

    [Fact]
    public void Missing_forecasts_are_flagged_per_series_and_per_store()
    {
        var forecast = Store("S1", Item("tea", 10, [70, 70, 70, 70]));
        var result = ForecastReviewer.Review([forecast],
            [new StoreSeriesList("S1", ["tea", "water"]), new StoreSeriesList("S2", ["tea"])], Settings);
        Assert.Equal(2, result.Flags.Count(f => f.Kind == ReviewFlagKind.MissingForecast));
        Assert.Contains(result.Flags, f => f is { Store: "S1", Item: "water", Kind: ReviewFlagKind.MissingForecast, Severity: ReviewSeverity.Critical });
        Assert.Contains(result.Flags, f => f is { Store: "S2", Item: "tea", Kind: ReviewFlagKind.MissingForecast } && f.Message.Contains("no forecast at all"));
    }

    [Fact]
    public void A_series_without_recent_sales_is_flagged()
    {
        var flag = Assert.Single(Review(Store("S1", Item("tea", 0.5, [0, 0, 0, 0], daysSinceLastSale: 45))).Flags);
        Assert.Equal((ReviewFlagKind.NoRecentHistory, ReviewSeverity.Warning), (flag.Kind, flag.Severity));
        Assert.Contains("45 days", flag.Message);
    }

    [Fact]
    public void Zero_and_negative_forecasts_are_flagged()
    {
        var zero = Assert.Single(Review(Store("S1", Item("tea", 0, [70, 70, 70, 70]))).Flags, f => f.Kind == ReviewFlagKind.ZeroOrNegative);
        Assert.Equal(ReviewSeverity.Warning, zero.Severity);
        var negative = Assert.Single(Review(Store("S1", Item("tea", 10, [70, 70, 70, 70], points: [10, 10, -2, 10, 10, 10, 10]))).Flags);
        Assert.Equal((ReviewFlagKind.ZeroOrNegative, ReviewSeverity.Critical), (negative.Kind, negative.Severity));
    }

    [Fact]
    public void Thresholds_come_from_the_settings()
    {
        var forecast = Store("S1", Item("tea", 20, [100, 100, 100, 100]));   // 140 vs 100
        Assert.Empty(ForecastReviewer.Review([forecast], [], Settings).Flags);
        var strict = Settings with { MaxRatioToRecent = 1.2, MaxWeekOverWeekRatio = 1.3 };
        Assert.Equal([ReviewFlagKind.FarFromRecentWeeks, ReviewFlagKind.WeekOverWeekJump], ForecastReviewer.Review([forecast], [], strict).Flags.Select(f => f.Kind).ToArray());
    }
}
