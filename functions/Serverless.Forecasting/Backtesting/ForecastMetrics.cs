namespace Serverless.Forecasting.Backtesting;

/// <summary>
/// Accuracy and ordering figures of one method over store x item x days. Every figure compares
/// against RECORDED sales: on a day that sold out the recorded sales understate demand, and no
/// data can say by how much, so stock-out rates here are "recorded sales above the order".
/// </summary>
/// <param name="Method">"model" or a naive baseline's name.</param>
/// <param name="Days">Store x item x days evaluated.</param>
/// <param name="Mae">Mean absolute error of the point forecast, units per day.</param>
/// <param name="Wape">Sum |recorded - point| / sum recorded.</param>
/// <param name="Smape">Mean of 2|recorded - point| / (|recorded| + |point|), 0 when both are 0; a fraction in [0, 2].</param>
/// <param name="Bias">Sum (point - recorded) / sum recorded; positive means over-forecast.</param>
/// <param name="PinballLoss">Mean pinball loss of the order quantity at the service level, units per day.</param>
/// <param name="StockOutRateVsRecorded">Share of days whose recorded sales exceeded the order.</param>
/// <param name="OverStockUnits">Sum of (order - recorded) where positive.</param>
/// <param name="OrderedUnits">Sum of orders.</param>
/// <param name="RecordedUnits">Sum of recorded sales.</param>
public sealed record ForecastMetrics(
    string Method,
    long Days,
    double Mae,
    double Wape,
    double Smape,
    double Bias,
    double PinballLoss,
    double StockOutRateVsRecorded,
    double OverStockUnits,
    double OrderedUnits,
    double RecordedUnits);

/// <summary>Computes <see cref="ForecastMetrics"/> from (recorded, point, order) triples.</summary>
public static class MetricsCalculator
{
    public static ForecastMetrics Compute(string method, IEnumerable<(double Recorded, double Point, double Order)> days, double serviceLevel)
    {
        long n = 0;
        double absolute = 0, recorded = 0, smape = 0, signed = 0, pinball = 0, overStock = 0, ordered = 0;
        long stockOuts = 0;
        foreach (var (y, p, q) in days)
        {
            n++;
            absolute += Math.Abs(y - p);
            recorded += y;
            signed += p - y;
            var denominator = Math.Abs(y) + Math.Abs(p);
            smape += denominator == 0 ? 0 : 2 * Math.Abs(y - p) / denominator;
            pinball += y >= q ? serviceLevel * (y - q) : (1 - serviceLevel) * (q - y);
            if (y > q) stockOuts++;
            overStock += Math.Max(q - y, 0);
            ordered += q;
        }
        return FromSums(method, n, absolute, recorded, smape, signed, pinball, stockOuts, overStock, ordered);
    }

    /// <summary>
    /// The figures of several disjoint sets of days as one set (for example a group of backtest
    /// origins): sums are added back up, so WAPE is total error over total sales, not a mean of WAPEs.
    /// </summary>
    public static ForecastMetrics Combine(string method, IEnumerable<ForecastMetrics> parts)
    {
        long n = 0, stockOuts = 0;
        double absolute = 0, recorded = 0, smape = 0, signed = 0, pinball = 0, overStock = 0, ordered = 0;
        foreach (var m in parts)
        {
            if (m.Days == 0) continue;
            n += m.Days;
            absolute += m.Mae * m.Days;
            smape += m.Smape * m.Days;
            pinball += m.PinballLoss * m.Days;
            stockOuts += (long)Math.Round(m.StockOutRateVsRecorded * m.Days);
            recorded += m.RecordedUnits;
            signed += double.IsNaN(m.Bias) ? 0 : m.Bias * m.RecordedUnits;
            overStock += m.OverStockUnits;
            ordered += m.OrderedUnits;
        }
        return FromSums(method, n, absolute, recorded, smape, signed, pinball, stockOuts, overStock, ordered);
    }

    /// <summary>The figures from their sums over n days (sums of |error|, sales, SMAPE terms, signed error, pinball loss).</summary>
    private static ForecastMetrics FromSums(string method, long n, double absolute, double recorded, double smape, double signed,
        double pinball, long stockOuts, double overStock, double ordered)
    {
        if (n == 0) return new ForecastMetrics(method, 0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, 0, 0, 0);
        return new ForecastMetrics(method, n,
            Mae: absolute / n,
            Wape: recorded == 0 ? double.NaN : absolute / recorded,
            Smape: smape / n,
            Bias: recorded == 0 ? double.NaN : signed / recorded,
            PinballLoss: pinball / n,
            StockOutRateVsRecorded: (double)stockOuts / n,
            OverStockUnits: overStock,
            OrderedUnits: ordered,
            RecordedUnits: recorded);
    }
}
