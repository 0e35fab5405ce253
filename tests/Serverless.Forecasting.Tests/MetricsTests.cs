using Serverless.Forecasting.Backtesting;

namespace Serverless.Forecasting.Tests;

public class MetricsTests
{
    [Fact]
    public void Metrics_match_a_hand_computed_case()
    {
        // recorded, point, order
        var days = new (double, double, double)[] { (10, 8, 12), (0, 2, 3), (5, 5, 4), (5, 9, 10) };
        var m = MetricsCalculator.Compute("m", days, serviceLevel: 0.9);
        // |errors| = 2, 2, 0, 4 -> 8; recorded = 20
        Assert.Equal(4, m.Days);
        Assert.Equal(2.0, m.Mae, 12);
        Assert.Equal(0.4, m.Wape, 12);
        // SMAPE terms: 4/18, 4/2, 0, 8/14
        Assert.Equal((4.0 / 18 + 2 + 0 + 8.0 / 14) / 4, m.Smape, 12);
        // bias: (-2 + 2 + 0 + 4) / 20
        Assert.Equal(0.2, m.Bias, 12);
        // pinball at 0.9: over-orders cost 0.1 per unit, under-orders 0.9
        // (12 vs 10) 0.2; (3 vs 0) 0.3; (4 vs 5) 0.9; (10 vs 5) 0.5 -> 1.9 / 4
        Assert.Equal(1.9 / 4, m.PinballLoss, 12);
        Assert.Equal(0.25, m.StockOutRateVsRecorded, 12);   // only day 3 sold more than ordered
        Assert.Equal(2 + 3 + 0 + 5, m.OverStockUnits, 12);
        Assert.Equal(29, m.OrderedUnits, 12);
        Assert.Equal(20, m.RecordedUnits, 12);
    }

    [Fact]
    public void No_days_gives_undefined_ratios_not_a_crash()
    {
        var m = MetricsCalculator.Compute("m", [], 0.95);
        Assert.Equal(0, m.Days);
        Assert.True(double.IsNaN(m.Wape));
    }

    [Fact]
    public void Combined_groups_of_days_give_the_figures_of_all_the_days_together()
    {
        var first = new (double, double, double)[] { (10, 8, 12), (0, 2, 3), (5, 5, 4) };
        var second = new (double, double, double)[] { (5, 9, 10), (40, 30, 45), (1, 0, 2), (7, 7, 6) };
        var all = MetricsCalculator.Compute("m", first.Concat(second), 0.9);
        var combined = MetricsCalculator.Combine("m", [MetricsCalculator.Compute("m", first, 0.9), MetricsCalculator.Compute("m", second, 0.9), MetricsCalculator.Compute("m", [], 0.9)]);
        Assert.Equal(all.Days, combined.Days);
        foreach (var (a, b) in new[]
        {
            (all.Mae, combined.Mae), (all.Wape, combined.Wape), (all.Smape, combined.Smape), (all.Bias, combined.Bias),
            (all.PinballLoss, combined.PinballLoss), (all.StockOutRateVsRecorded, combined.StockOutRateVsRecorded),
            (all.OverStockUnits, combined.OverStockUnits), (all.OrderedUnits, combined.OrderedUnits), (all.RecordedUnits, combined.RecordedUnits),
        })
        {
            Assert.Equal(a, b, 12);
        }
        // WAPE of the whole is total error over total sales, not the mean of the groups' WAPEs.
        Assert.NotEqual((MetricsCalculator.Compute("m", first, 0.9).Wape + MetricsCalculator.Compute("m", second, 0.9).Wape) / 2, combined.Wape, 6);
        Assert.True(double.IsNaN(MetricsCalculator.Combine("m", []).Wape));
    }
}
