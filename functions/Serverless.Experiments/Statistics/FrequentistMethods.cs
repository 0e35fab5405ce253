namespace Serverless.Experiments.Statistics;

/// <summary>A two-sided confidence interval.</summary>
public sealed record Interval(double Lower, double Upper);

/// <summary>A test statistic, its degrees of freedom (t and chi-square tests) and its two-sided p-value.</summary>
public sealed record TestResult(double Statistic, double? DegreesOfFreedom, double PValue);

/// <summary>Relative lift (treatment / control - 1) with its interval; the interval is null when a ratio cannot be formed on the log scale.</summary>
public sealed record LiftEstimate(double Relative, Interval? Interval);

/// <summary>Interval estimates and tests for proportions and means.</summary>
public static class FrequentistMethods
{
    /// <summary>The z with Φ(z) = 1 - (1 - confidence)/2, for example 1.95996 for 95%.</summary>
    public static double CriticalZ(double confidenceLevel)
    {
        if (!(confidenceLevel > 0 && confidenceLevel < 1)) throw new ArgumentOutOfRangeException(nameof(confidenceLevel), confidenceLevel, "must be within (0, 1)");
        return NormalDistribution.InverseCdf(1 - (1 - confidenceLevel) / 2);
    }

    /// <summary>
    /// Wilson score interval for a proportion: centre (p + z²/2n)/(1 + z²/n), half-width
    /// z/(1 + z²/n)·√(p(1-p)/n + z²/4n²). Unlike the Wald interval it stays inside [0, 1] and behaves at p near 0.
    /// </summary>
    public static Interval? WilsonInterval(long successes, long trials, double confidenceLevel = 0.95)
    {
        CheckCounts(successes, trials);
        if (trials == 0) return null;
        var z = CriticalZ(confidenceLevel);
        double n = trials;
        var p = successes / n;
        var z2 = z * z;
        var denominator = 1 + z2 / n;
        var centre = (p + z2 / (2 * n)) / denominator;
        var half = z / denominator * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        return new Interval(Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    /// <summary>
    /// Two-proportion z-test with the pooled variance p̂(1-p̂)(1/n₁ + 1/n₂), two-sided. Returns null when either group is empty;
    /// when both groups show the same all-or-nothing rate the statistic is 0 and p is 1.
    /// </summary>
    public static TestResult? TwoProportionZTest(long successesA, long trialsA, long successesB, long trialsB)
    {
        CheckCounts(successesA, trialsA);
        CheckCounts(successesB, trialsB);
        if (trialsA == 0 || trialsB == 0) return null;
        var pA = (double)successesA / trialsA;
        var pB = (double)successesB / trialsB;
        var pooled = (double)(successesA + successesB) / (trialsA + trialsB);
        var se = Math.Sqrt(pooled * (1 - pooled) * (1.0 / trialsA + 1.0 / trialsB));
        if (se == 0) return new TestResult(0, null, 1);
        var z = (pB - pA) / se;
        return new TestResult(z, null, Math.Min(1, 2 * NormalDistribution.UpperTail(Math.Abs(z))));
    }

    /// <summary>
    /// Welch's t-test for two means with unequal variances, two-sided, with Welch–Satterthwaite degrees of freedom.
    /// Null when a group has fewer than 2 observations or both variances are zero.
    /// </summary>
    public static TestResult? WelchTTest(double meanA, double varianceA, long countA, double meanB, double varianceB, long countB)
    {
        if (countA < 2 || countB < 2) return null;
        var a = varianceA / countA;
        var b = varianceB / countB;
        var se2 = a + b;
        if (!(se2 > 0)) return null;
        var t = (meanB - meanA) / Math.Sqrt(se2);
        var df = se2 * se2 / (a * a / (countA - 1) + b * b / (countB - 1));
        return new TestResult(t, df, StudentTDistribution.TwoSidedPValue(t, df));
    }

    /// <summary>Student-t interval for a mean: mean ± t(ν = n-1)·s/√n.</summary>
    public static Interval? MeanInterval(double mean, double variance, long count, double confidenceLevel = 0.95)
    {
        if (count < 2 || !(variance >= 0)) return null;
        var t = StudentTDistribution.InverseCdf(1 - (1 - confidenceLevel) / 2, count - 1);
        var half = t * Math.Sqrt(variance / count);
        return new Interval(mean - half, mean + half);
    }

    /// <summary>
    /// Relative lift of treatment over control, interval on the log scale: ln(r) ± z·√(se_t²/m_t² + se_c²/m_c²), which is
    /// the delta method for ln(m_t/m_c). For proportions (se² = p(1-p)/n) this is exactly the Katz log risk-ratio interval
    /// √(1/x_t - 1/n_t + 1/x_c - 1/n_c). The log scale keeps the interval asymmetric and above -100%, as a ratio should be;
    /// it needs both estimates positive, so with zero conversions or non-positive means the interval is null.
    /// </summary>
    public static LiftEstimate? RelativeLift(double treatment, double treatmentSe, double control, double controlSe, double confidenceLevel = 0.95)
    {
        if (!(control != 0) || !double.IsFinite(treatment) || !double.IsFinite(control)) return null;
        var relative = treatment / control - 1;
        if (!(treatment > 0 && control > 0)) return new LiftEstimate(relative, null);
        var seLog = Math.Sqrt(treatmentSe * treatmentSe / (treatment * treatment) + controlSe * controlSe / (control * control));
        var z = CriticalZ(confidenceLevel);
        var logRatio = Math.Log(treatment / control);
        return new LiftEstimate(relative, new Interval(Math.Exp(logRatio - z * seLog) - 1, Math.Exp(logRatio + z * seLog) - 1));
    }

    /// <summary>
    /// Chi-square goodness-of-fit of observed counts against expected shares (df = categories - 1). Categories with an
    /// expected share of zero and no observations are left out; observations where none were expected give p = 0.
    /// </summary>
    public static TestResult? ChiSquareGoodnessOfFit(IReadOnlyList<long> observed, IReadOnlyList<double> expectedShares)
    {
        if (observed.Count != expectedShares.Count) throw new ArgumentException("observed and expected need the same length");
        var total = observed.Sum();
        if (total == 0) return null;
        var statistic = 0.0;
        var categories = 0;
        for (var i = 0; i < observed.Count; i++)
        {
            var expected = total * expectedShares[i];
            if (expected <= 0)
            {
                if (observed[i] > 0) return new TestResult(double.PositiveInfinity, Math.Max(1, observed.Count - 1), 0);
                continue;
            }
            categories++;
            var difference = observed[i] - expected;
            statistic += difference * difference / expected;
        }
        if (categories < 2) return null;
        return new TestResult(statistic, categories - 1, ChiSquareDistribution.SurvivalFunction(statistic, categories - 1));
    }

    private static void CheckCounts(long successes, long trials)
    {
        if (trials < 0 || successes < 0 || successes > trials)
        {
            throw new ArgumentOutOfRangeException(nameof(successes), $"need 0 <= successes <= trials, got {successes} of {trials}");
        }
    }
}
