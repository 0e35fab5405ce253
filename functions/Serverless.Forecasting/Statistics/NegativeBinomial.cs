namespace Serverless.Forecasting.Statistics;

/// <summary>
/// Negative binomial with mean <c>m</c> and shape <c>k</c> (variance m + m^2/k): the count model of
/// the quantile fallback.
/// </summary>
public static class NegativeBinomial
{
    /// <summary>
    /// Below this log P(0) the walk up from 0 would start from an underflowed probability (about
    /// mean 745 in the Poisson limit): the quantile is then found by walking from the mode instead.
    /// </summary>
    private const double LowestLogStart = -700;

    /// <summary>The smallest n with P(X &lt;= n) &gt;= level.</summary>
    public static int Quantile(double mean, double shape, double level)
    {
        if (level <= 0 || level >= 1) throw new ArgumentOutOfRangeException(nameof(level), "level must be in (0, 1)");
        if (double.IsNaN(mean) || double.IsNaN(shape) || shape <= 0) throw new ArgumentOutOfRangeException(nameof(shape), $"mean and shape must be numbers and the shape positive, found mean {mean}, shape {shape}");
        if (mean <= 0) return 0;
        if (double.IsInfinity(mean)) throw new ArgumentOutOfRangeException(nameof(mean), "mean must be finite");
        if (double.IsInfinity(shape) || shape > 1e6) return Poisson(mean, level);
        // P(0) = (k/(k+m))^k; P(n+1) = P(n) * (n+k)/(n+1) * m/(k+m)
        var p = mean / (shape + mean);
        var logStart = shape * Math.Log(shape / (shape + mean));
        if (logStart < LowestLogStart)
        {
            // log P(n) = lnG(n+k) - lnG(k) - lnG(n+1) + k ln(k/(k+m)) + n ln(m/(k+m)), from the mode (k-1)m/k.
            var mode = shape <= 1 ? 0 : Math.Floor((shape - 1) * mean / shape);
            var logTail = -double.LogP1(mean / shape);
            var logMode = LogGamma(mode + shape) - LogGamma(shape) - LogGamma(mode + 1) + shape * logTail + mode * Math.Log(p);
            return FromMode(level, mode, logMode, n => (n + shape) / (n + 1) * p, n => n / ((n - 1 + shape) * p));
        }
        var probability = Math.Exp(logStart);
        var cumulative = probability;
        var k = 0;
        var limit = (int)Math.Min(int.MaxValue - 1, mean * 50 + 1000);
        while (cumulative < level && k < limit)
        {
            probability *= (k + shape) / (k + 1) * p;
            k++;
            cumulative += probability;
        }
        return k;
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

    /// <summary>ln Gamma(x) for x &gt; 0: the Stirling series, after shifting small arguments up to 10.</summary>
    internal static double LogGamma(double x)
    {
        if (x <= 0 || double.IsNaN(x)) throw new ArgumentOutOfRangeException(nameof(x), "LogGamma needs x > 0");
        double shift = 0;
        while (x < 10)
        {
            shift += Math.Log(x);
            x++;
        }
        var inverse = 1 / x;
        var square = inverse * inverse;
        var series = inverse * (1.0 / 12 - square * (1.0 / 360 - square * (1.0 / 1260 - square * (1.0 / 1680))));
        return (x - 0.5) * Math.Log(x) - x + 0.5 * Math.Log(2 * Math.PI) + series - shift;
    }

    private static int Poisson(double mean, double level)
    {
        if (-mean < LowestLogStart)
        {
            // log P(n) = -m + n ln m - lnG(n+1), from the mode floor(m).
            var mode = Math.Floor(mean);
            return FromMode(level, mode, -mean + mode * Math.Log(mean) - LogGamma(mode + 1), n => mean / (n + 1), n => n / mean);
        }
        var probability = Math.Exp(-mean);
        var cumulative = probability;
        var k = 0;
        while (cumulative < level && k < mean * 50 + 1000)
        {
            k++;
            probability *= mean / k;
            cumulative += probability;
        }
        return k;
    }

    /// <summary>
    /// The quantile of a unimodal count distribution from its mode, where the probability is
    /// largest and never underflows: the mass below the mode is summed downwards until its terms
    /// vanish, then the walk goes up (or back down) to the level. Costs a few dozen standard
    /// deviations of steps, whatever the mean.
    /// </summary>
    /// <param name="up">P(n+1) / P(n).</param>
    /// <param name="down">P(n-1) / P(n), for n &gt;= 1.</param>
    private static int FromMode(double level, double mode, double logModeProbability, Func<double, double> up, Func<double, double> down)
    {
        var atMode = Math.Exp(logModeProbability);
        double below = 0, term = atMode;
        for (var n = mode; n > 0; n--)
        {
            term *= down(n);
            below += term;
            if (term < 1e-18 * (below + atMode)) break;
        }
        var cumulative = below + atMode;  // P(X <= mode)
        var k = mode;
        var probability = atMode;
        if (cumulative >= level)
        {
            // P(X <= k - 1) = P(X <= k) - P(k): step down while that still reaches the level.
            while (k > 0 && cumulative - probability >= level)
            {
                cumulative -= probability;
                probability *= down(k);
                k--;
            }
            return (int)k;
        }
        while (cumulative < level && k < int.MaxValue - 1)
        {
            probability *= up(k);
            k++;
            cumulative += probability;
            if (probability == 0) break;  // the level is beyond what doubles can add up to
        }
        return (int)Math.Min(k, int.MaxValue - 1);
    }
}
