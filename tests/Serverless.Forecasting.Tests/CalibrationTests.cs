using Serverless.Forecasting.Modeling;
using Serverless.Forecasting.Statistics;

namespace Serverless.Forecasting.Tests;

public class CalibrationTests
{
    [Fact]
    public void Negative_binomial_quantiles_match_known_values()
    {
        // Poisson limit: P(X <= 15 | mean 10) = 0.9513, P(X <= 14) = 0.9165
        Assert.Equal(15, NegativeBinomial.Quantile(10, 1e7, 0.95));
        // Shape 1 is geometric with p = 1/(1+m): P(X <= n) = 1 - (m/(1+m))^(n+1); m = 4 -> n = 13 for 0.95
        Assert.Equal(13, NegativeBinomial.Quantile(4, 1, 0.95));
        Assert.Equal(0, NegativeBinomial.Quantile(0, 5, 0.95));
    }

    [Theory]
    [InlineData(800, 1e5)]          // P(0) = exp(-797): underflowed before, so the order was the cap of 41,000
    [InlineData(746, 2e6)]          // the Poisson limit just past exp(-745)
    [InlineData(5_000, 25)]
    [InlineData(20_000, 1e7)]
    [InlineData(250_000, 50)]
    public void High_volume_quantiles_sit_a_few_spreads_above_the_mean_not_at_the_cap(double mean, double shape)
    {
        var spread = Math.Sqrt(mean + mean * mean / Math.Min(shape, 1e6 + 1));
        var order = NegativeBinomial.Quantile(mean, shape, 0.95);
        // 1.645 spreads for a normal; the negative binomial's right skew adds a little.
        Assert.InRange(order, mean + 1.55 * spread, mean + 1.95 * spread + 1);
        Assert.True(NegativeBinomial.Quantile(mean, shape, 0.5) <= mean + 1);
        Assert.True(NegativeBinomial.Quantile(mean, shape, 0.99) > order);
    }

    [Theory]
    [InlineData(800, 1e5, 0.95)]
    [InlineData(800, 1e5, 0.5)]
    [InlineData(1_200, 40, 0.95)]
    [InlineData(1_000, 1e7, 0.99)]
    [InlineData(3_000, 2e5, 0.05)]
    public void High_volume_quantiles_equal_a_sum_of_probabilities_in_log_space(double mean, double shape, double level)
    {
        Assert.Equal(LogSpaceQuantile(mean, shape, level), NegativeBinomial.Quantile(mean, shape, level));
    }

    [Fact]
    public void Quantiles_move_smoothly_where_the_method_changes()
    {
        // With shape 1e5, P(0) leaves the range the walk from 0 starts in near mean 700.
        var previous = NegativeBinomial.Quantile(680, 1e5, 0.95);
        for (var mean = 680.5; mean <= 730; mean += 0.5)
        {
            var order = NegativeBinomial.Quantile(mean, 1e5, 0.95);
            Assert.InRange(order - previous, 0, 2);
            previous = order;
        }
        Assert.Equal(LogSpaceQuantile(700, 1e5, 0.95), NegativeBinomial.Quantile(700, 1e5, 0.95));
    }

    [Fact]
    public void A_high_volume_prediction_without_errors_orders_near_its_quantile()
    {
        var calibrator = QuantileCalibrator.Fallback(0.95, shape: 1e5);
        var order = calibrator.OrderQuantity(2_000);
        Assert.InRange(order, 2_070, 2_080);  // 2,000 + 1.645 x 45 (was 101,000, the cap)
    }

    /// <summary>
    /// The reference: P(n) by the recurrence from P(0) on the log scale, summed with log-sum-exp,
    /// so nothing underflows however far P(0) is below the smallest double.
    /// </summary>
    private static int LogSpaceQuantile(double mean, double shape, double level)
    {
        var poisson = shape > 1e6;
        var q = mean / (shape + mean);
        var logP = poisson ? -mean : shape * Math.Log(shape / (shape + mean));
        var logCumulative = logP;
        var logLevel = Math.Log(level);
        var n = 0;
        while (logCumulative < logLevel)
        {
            logP += poisson ? Math.Log(mean / (n + 1)) : Math.Log((n + shape) / (n + 1) * q);
            n++;
            var high = Math.Max(logCumulative, logP);
            logCumulative = high + Math.Log(Math.Exp(logCumulative - high) + Math.Exp(logP - high));
        }
        return n;
    }

    [Fact]
    public void Shape_is_recovered_from_simulated_counts()
    {
        var pairs = Simulate(20_000, seed: 1, shape: 8).ToList();
        Assert.InRange(NegativeBinomial.FitShape(pairs), 6.5, 9.5);
    }

    [Fact]
    public void Orders_from_calibrated_quantiles_cover_demand_at_the_service_level()
    {
        var calibrator = QuantileCalibrator.Fit(Simulate(6000, seed: 2, shape: 5).ToList(), 0.95, buckets: 5);
        var fresh = Simulate(20_000, seed: 3, shape: 5).ToList();
        var covered = fresh.Count(p => p.Actual <= calibrator.OrderQuantity(p.Predicted)) / (double)fresh.Count;
        Assert.InRange(covered, 0.935, 0.975);
        Assert.Equal(5, calibrator.BucketQuantiles.Count);
    }

    [Fact]
    public void Without_errors_the_negative_binomial_fallback_orders()
    {
        var calibrator = QuantileCalibrator.Fit([], 0.95, 5);
        Assert.Equal(0, calibrator.Samples);
        Assert.Equal(NegativeBinomial.Quantile(12.5, 10, 0.95), calibrator.OrderQuantity(12.5));
        Assert.Equal(0, calibrator.OrderQuantity(-3));
    }

    /// <summary>(predicted mean, negative binomial draw) pairs with means spread over 0.5-60.</summary>
    private static IEnumerable<(double Predicted, double Actual)> Simulate(int count, int seed, double shape)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var mean = 0.5 + 60 * random.NextDouble() * random.NextDouble();
            // Poisson-gamma draw with Gamma(shape) by summing exponentials (shape is an integer here).
            var gamma = 0.0;
            for (var k = 0; k < (int)shape; k++) gamma -= Math.Log(1 - random.NextDouble());
            var lambda = mean * gamma / shape;
            var n = 0;
            var limit = Math.Exp(-lambda);
            var product = random.NextDouble();
            while (product > limit && lambda < 700) { n++; product *= random.NextDouble(); }
            yield return (mean, n);
        }
    }
}
