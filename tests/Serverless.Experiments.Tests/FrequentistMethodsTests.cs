using Serverless.Experiments.Statistics;

namespace Serverless.Experiments.Tests;

public class FrequentistMethodsTests
{
    // Newcombe (1998), "Two-sided confidence intervals for the single proportion", Statistics in Medicine 17:857-872,
    // Table II, method 3 (Wilson score without continuity correction); four decimals as published.
    [Theory]
    [InlineData(81, 263, 0.2553, 0.3662)]
    [InlineData(15, 148, 0.0624, 0.1605)]
    [InlineData(0, 20, 0.0, 0.1611)]
    [InlineData(1, 29, 0.0061, 0.1718)]
    [InlineData(29, 29, 0.8830, 1.0)]
    public void Wilson_interval_matches_published_table(long x, long n, double lower, double upper)
    {
        var interval = FrequentistMethods.WilsonInterval(x, n)!;
        Assert.Equal(lower, interval.Lower, 0.00005);
        Assert.Equal(upper, interval.Upper, 0.00005);
    }

    [Fact]
    public void Wilson_interval_for_zero_successes_is_the_closed_form()
    {
        // With x = 0 the upper bound is z²/(n + z²).
        var z = 1.959963984540054;
        Assert.Equal(z * z / (10 + z * z), FrequentistMethods.WilsonInterval(0, 10)!.Upper, 1e-12);
        Assert.Null(FrequentistMethods.WilsonInterval(0, 0));
    }

    [Fact]
    public void Two_proportion_z_test_matches_reference()
    {
        // mpmath: pooled z = 2.3839951328405052, p = erfc(|z|/√2) = 0.017125828872195014
        var result = FrequentistMethods.TwoProportionZTest(200, 10_000, 250, 10_000)!;
        Assert.Equal(2.3839951328405052, result.Statistic, 1e-12);
        Assert.Equal(0.017125828872195014, result.PValue, 1e-14);
        // mpmath: far tail keeps relative precision, p = 7.641043633030994e-18
        var strong = FrequentistMethods.TwoProportionZTest(500, 10_000, 800, 10_000)!;
        Assert.Equal(7.641043633030994e-18, strong.PValue, 1e-26);
        Assert.Equal(1, FrequentistMethods.TwoProportionZTest(0, 50, 0, 70)!.PValue);
    }

    [Fact]
    public void Welch_t_test_matches_reference()
    {
        // mpmath from the same summary statistics: t = 2.1356054904431227, ν = 40.475086020135083, p = 0.038811971666310325
        var result = FrequentistMethods.WelchTTest(10.0, 4.0, 30, 11.5, 9.0, 25)!;
        Assert.Equal(2.1356054904431227, result.Statistic, 1e-12);
        Assert.Equal(40.475086020135083, result.DegreesOfFreedom!.Value, 1e-9);
        Assert.Equal(0.038811971666310325, result.PValue, 1e-12);
        Assert.Null(FrequentistMethods.WelchTTest(1, 0, 10, 1, 0, 10));
    }

    [Fact]
    public void Relative_lift_interval_is_the_katz_log_ratio_interval()
    {
        // mpmath: ratio 1.25, exp(ln r ± 1.96·√(1/x_t − 1/n_t + 1/x_c − 1/n_c)) − 1 = [0.040064397676184, 0.502310821802086]
        double pc = 0.02, pt = 0.025, n = 10_000;
        var lift = FrequentistMethods.RelativeLift(pt, Math.Sqrt(pt * (1 - pt) / n), pc, Math.Sqrt(pc * (1 - pc) / n))!;
        Assert.Equal(0.25, lift.Relative, 1e-12);
        Assert.Equal(0.040064397676184183, lift.Interval!.Lower, 1e-12);
        Assert.Equal(0.50231082180208615, lift.Interval.Upper, 1e-12);
        Assert.Null(FrequentistMethods.RelativeLift(0.0, 0, 0.02, 0.001)!.Interval);
    }

    [Fact]
    public void Mean_interval_uses_the_t_quantile()
    {
        // t(29; 0.975) = 2.0452296421327043 (mpmath); half-width t·√(s²/n)
        var interval = FrequentistMethods.MeanInterval(10, 4, 30)!;
        Assert.Equal(10 - 2.0452296421327043 * Math.Sqrt(4.0 / 30), interval.Lower, 1e-9);
        Assert.Equal(10 + 2.0452296421327043 * Math.Sqrt(4.0 / 30), interval.Upper, 1e-9);
    }

    [Fact]
    public void Sample_ratio_check_on_a_50_50_split()
    {
        // 10,000 vs 10,400: χ² = 2·200²/10,200 = 7.843137…, p = 0.005101399646004981 (mpmath): not below 0.001.
        var mild = FrequentistMethods.ChiSquareGoodnessOfFit([10_000, 10_400], [0.5, 0.5])!;
        Assert.Equal(80_000.0 / 10_200, mild.Statistic, 1e-10);
        Assert.Equal(0.005101399646004981, mild.PValue, 1e-13);
        Assert.False(mild.PValue < 0.001);

        // 10,000 vs 10,600: χ² = 2·300²/10,300 = 17.4757…, p = 2.909992111576431e-5 (mpmath): a mismatch.
        var severe = FrequentistMethods.ChiSquareGoodnessOfFit([10_000, 10_600], [0.5, 0.5])!;
        Assert.Equal(180_000.0 / 10_300, severe.Statistic, 1e-10);
        Assert.Equal(2.909992111576431e-5, severe.PValue, 1e-15);
        Assert.True(severe.PValue < 0.001);
    }

    [Fact]
    public void Sample_ratio_check_with_unequal_weights_and_three_variants()
    {
        // Expected 5,000 / 3,000 / 2,000 of 10,000; observed 5,100 / 2,950 / 1,950.
        // χ² = 100²/5000 + 50²/3000 + 50²/2000 = 2 + 0.8333… + 1.25 = 4.0833…, df = 2, p = exp(−χ²/2) (closed form for df 2).
        var result = FrequentistMethods.ChiSquareGoodnessOfFit([5_100, 2_950, 1_950], [0.5, 0.3, 0.2])!;
        var chi = 2 + 2500.0 / 3000 + 1.25;
        Assert.Equal(chi, result.Statistic, 1e-10);
        Assert.Equal(2, result.DegreesOfFreedom);
        Assert.Equal(Math.Exp(-chi / 2), result.PValue, 1e-14);
    }

    [Fact]
    public void Users_where_none_were_expected_are_a_certain_mismatch()
    {
        var result = FrequentistMethods.ChiSquareGoodnessOfFit([100, 100, 3], [0.5, 0.5, 0])!;
        Assert.Equal(0, result.PValue);
    }
}
