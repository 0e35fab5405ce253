namespace Serverless.Forecasting.Statistics;

/// <summary>
/// Negative binomial with mean <c>m</c> and shape <c>k</c> (variance m + m^2/k): the count model of
/// the quantile fallback.
/// </summary>
public static class NegativeBinomial
{
    /// <summary>The smallest n with P(X &lt;= n) &gt;= level.</summary>
    public static int Quantile(double mean, double shape, double level)
    {
        if (level <= 0 || level >= 1) throw new ArgumentOutOfRangeException(nameof(level), "level must be in (0, 1)");
        if (mean <= 0) return 0;
        if (double.IsInfinity(shape) || shape > 1e6) return Poisson(mean, level);
        // P(0) = (k/(k+m))^k; P(n+1) = P(n) * (n+k)/(n+1) * m/(k+m)
        var p = mean / (shape + mean);
        var probability = Math.Exp(shape * Math.Log(shape / (shape + mean)));
        var cumulative = probability;
        var n = 0;
        var limit = (int)Math.Min(int.MaxValue - 1, mean * 50 + 1000);
        while (cumulative < level && n < limit)
        {
            probability *= (n + shape) / (n + 1) * p;
            n++;
            cumulative += probability;
        }
        return n;
    }

    /// <summary>
    /// Method-of-moments shape from (prediction, actual) pairs: Var = m + m^2/k, so
    /// 1/k = sum((y - m)^2 - m) / sum(m^2). Clamped to [0.5, 1e6] (1e6 is Poisson).
    /// </summary>
    public static double FitShape(IEnumerable<(double Predicted, double Actual)> pairs, double fallback = 10)
    {
        double excess = 0, squares = 0;
        var n = 0;
        foreach (var (m, y) in pairs)
        {
            if (m <= 0) continue;
            excess += (y - m) * (y - m) - m;
            squares += m * m;
            n++;
        }
        if (n < 30 || squares <= 0) return fallback;
        var inverse = excess / squares;
        return inverse <= 1e-6 ? 1e6 : Math.Clamp(1 / inverse, 0.5, 1e6);
    }

    private static int Poisson(double mean, double level)
    {
        var probability = Math.Exp(-mean);
        var cumulative = probability;
        var n = 0;
        while (cumulative < level && n < mean * 50 + 1000)
        {
            n++;
            probability *= mean / n;
            cumulative += probability;
        }
        return n;
    }
}
