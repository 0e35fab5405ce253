using Serverless.Forecasting.Statistics;

namespace Serverless.Forecasting.Modeling;

/// <summary>
/// Turns a point forecast into an order quantity at the service level, from out-of-sample errors.
/// Errors are standardised by the negative binomial spread fitted to them,
/// z = (actual - predicted) / sqrt(m + m^2/k), and the service-level quantile of z is taken per
/// prediction-level bucket (low-volume errors are skewed differently from high-volume ones).
/// A bucket with too few errors, or no errors at all, falls back to the negative binomial quantile.
/// Order = that quantile rounded up to whole units.
/// </summary>
public sealed record QuantileCalibrator(
    double ServiceLevel,
    double Shape,
    IReadOnlyList<double> BucketUpperBounds,
    IReadOnlyList<double> BucketQuantiles,
    IReadOnlyList<int> BucketCounts,
    int Samples)
{
    /// <summary>Buckets with fewer errors than this use the distribution fallback.</summary>
    public const int MinBucketSamples = 60;

    /// <summary>A calibrator without errors: the negative binomial with a default shape.</summary>
    public static QuantileCalibrator Fallback(double serviceLevel, double shape = 10) =>
        new(serviceLevel, shape, [], [], [], 0);

    public static QuantileCalibrator Fit(IReadOnlyList<(double Predicted, double Actual)> errors, double serviceLevel, int buckets)
    {
        if (errors.Count == 0) return Fallback(serviceLevel);
        var shape = NegativeBinomial.FitShape(errors);
        var bucketCount = Math.Max(1, Math.Min(buckets, errors.Count / MinBucketSamples));
        var predictions = errors.Select(e => e.Predicted).Order().ToList();
        var bounds = new double[bucketCount];
        for (var b = 0; b < bucketCount - 1; b++) bounds[b] = EmpiricalQuantile.Of(predictions, (b + 1.0) / bucketCount);
        bounds[^1] = double.PositiveInfinity;
        var members = Enumerable.Range(0, bucketCount).Select(_ => new List<double>()).ToArray();
        foreach (var (m, y) in errors) members[BucketOf(bounds, m)].Add((y - m) / Spread(m, shape));
        var quantiles = members.Select(z => z.Count >= MinBucketSamples ? EmpiricalQuantile.Of(z.Order().ToList(), serviceLevel) : double.NaN).ToArray();
        return new QuantileCalibrator(serviceLevel, shape, bounds, quantiles, members.Select(z => z.Count).ToArray(), errors.Count);
    }

    /// <summary>The order for one day: the calibrated quantile of demand, rounded up, never negative.</summary>
    public int OrderQuantity(double predicted)
    {
        if (double.IsNaN(predicted) || predicted < 0) predicted = 0;
        if (BucketUpperBounds.Count > 0)
        {
            var z = BucketQuantiles[BucketOf(BucketUpperBounds, predicted)];
            if (!double.IsNaN(z))
            {
                var quantile = predicted + z * Spread(predicted, Shape);
                return (int)Math.Max(0, Math.Ceiling(quantile - 1e-9));
            }
        }
        return NegativeBinomial.Quantile(predicted, Shape, ServiceLevel);
    }

    private static double Spread(double m, double shape) => Math.Sqrt(Math.Max(m, 0) + m * m / shape + 0.25);

    private static int BucketOf(IReadOnlyList<double> bounds, double value)
    {
        for (var b = 0; b < bounds.Count; b++)
        {
            if (value <= bounds[b]) return b;
        }
        return bounds.Count - 1;
    }
}
