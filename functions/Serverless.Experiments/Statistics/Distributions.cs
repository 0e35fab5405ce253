namespace Serverless.Experiments.Statistics;

/// <summary>The standard normal distribution.</summary>
public static class NormalDistribution
{
    private static readonly double Sqrt2 = Math.Sqrt(2);
    private static readonly double SqrtTwoPi = Math.Sqrt(2 * Math.PI);

    public static double Pdf(double x) => Math.Exp(-0.5 * x * x) / SqrtTwoPi;

    /// <summary>Φ(x).</summary>
    public static double Cdf(double x) => 0.5 * SpecialFunctions.Erfc(-x / Sqrt2);

    /// <summary>1 - Φ(x) without cancellation.</summary>
    public static double UpperTail(double x) => 0.5 * SpecialFunctions.Erfc(x / Sqrt2);

    /// <summary>
    /// Φ⁻¹(p): Abramowitz and Stegun 26.2.23 as a start (error below 4.5e-4), then Halley steps on the exact CDF,
    /// which converge cubically to full double precision.
    /// </summary>
    public static double InverseCdf(double p)
    {
        if (double.IsNaN(p) || p < 0 || p > 1) throw new ArgumentOutOfRangeException(nameof(p), p, "a probability must be within [0, 1]");
        if (p == 0) return double.NegativeInfinity;
        if (p == 1) return double.PositiveInfinity;

        var lower = p < 0.5;
        var tail = lower ? p : 1 - p;
        var t = Math.Sqrt(-2 * Math.Log(tail));
        var x = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
        x = lower ? -x : x;

        for (var i = 0; i < 4; i++)
        {
            // Error measured on the tail that holds p, so tiny probabilities keep relative precision.
            var error = lower ? Cdf(x) - p : tail - UpperTail(x);
            var u = error * SqrtTwoPi * Math.Exp(0.5 * x * x);
            var step = u / (1 + 0.5 * x * u);
            x -= step;
            if (Math.Abs(step) <= 1e-15 * Math.Max(1, Math.Abs(x))) break;
        }
        return x;
    }
}

/// <summary>The chi-square distribution.</summary>
public static class ChiSquareDistribution
{
    /// <summary>P(X ≥ x) for X ~ χ²(k): the p-value of a chi-square statistic.</summary>
    public static double SurvivalFunction(double x, double degreesOfFreedom)
    {
        if (!(degreesOfFreedom > 0)) throw new ArgumentOutOfRangeException(nameof(degreesOfFreedom), degreesOfFreedom, "degrees of freedom must be positive");
        if (double.IsNaN(x)) throw new ArgumentOutOfRangeException(nameof(x), x, "the statistic is NaN");
        return x <= 0 ? 1 : SpecialFunctions.RegularizedGammaQ(degreesOfFreedom / 2, x / 2);
    }
}

/// <summary>Student's t distribution.</summary>
public static class StudentTDistribution
{
    public static double Cdf(double t, double degreesOfFreedom)
    {
        var tail = UpperTail(Math.Abs(t), degreesOfFreedom);
        return t >= 0 ? 1 - tail : tail;
    }

    /// <summary>P(T ≥ t) for t ≥ 0: ½ I_{ν/(ν+t²)}(ν/2, ½).</summary>
    public static double UpperTail(double t, double degreesOfFreedom)
    {
        if (!(degreesOfFreedom > 0)) throw new ArgumentOutOfRangeException(nameof(degreesOfFreedom), degreesOfFreedom, "degrees of freedom must be positive");
        if (double.IsNaN(t)) throw new ArgumentOutOfRangeException(nameof(t), t, "t is NaN");
        if (t < 0) return 1 - UpperTail(-t, degreesOfFreedom);
        if (double.IsPositiveInfinity(t)) return 0;
        var x = degreesOfFreedom / (degreesOfFreedom + t * t);
        return 0.5 * SpecialFunctions.RegularizedBeta(x, degreesOfFreedom / 2, 0.5);
    }

    /// <summary>Two-sided p-value of a t statistic.</summary>
    public static double TwoSidedPValue(double t, double degreesOfFreedom) => Math.Min(1, 2 * UpperTail(Math.Abs(t), degreesOfFreedom));

    /// <summary>The quantile, by bisection on the CDF (robust for every ν; a few dozen CDF calls).</summary>
    public static double InverseCdf(double p, double degreesOfFreedom)
    {
        if (double.IsNaN(p) || p <= 0 || p >= 1) throw new ArgumentOutOfRangeException(nameof(p), p, "the probability must be within (0, 1)");
        if (p == 0.5) return 0;
        if (p < 0.5) return -InverseCdf(1 - p, degreesOfFreedom);
        var tail = 1 - p;
        double lo = 0, hi = 1;
        while (UpperTail(hi, degreesOfFreedom) > tail) hi *= 2;
        for (var i = 0; i < 200 && hi - lo > 1e-14 * hi; i++)
        {
            var mid = 0.5 * (lo + hi);
            if (UpperTail(mid, degreesOfFreedom) > tail) lo = mid;
            else hi = mid;
        }
        return 0.5 * (lo + hi);
    }
}
