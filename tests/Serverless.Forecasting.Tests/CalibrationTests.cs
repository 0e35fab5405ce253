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
