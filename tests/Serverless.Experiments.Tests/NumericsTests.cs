using Serverless.Experiments.Statistics;

namespace Serverless.Experiments.Tests;

/// <summary>
/// Reference values: closed forms where they exist; otherwise mpmath 1.3.0 at 30 significant digits
/// (ncdf, erfinv, gammainc, betainc, loggamma), or standard statistical tables, as noted per value.
/// </summary>
public class NumericsTests
{
    [Theory]
    [InlineData(0.5, 0.57236494292470008707)] // ln √π (closed form)
    [InlineData(1.0, 0.0)]
    [InlineData(10.0, 12.801827480081469611)] // ln 9! = ln 362880 (closed form)
    [InlineData(100.5, 361.43554046777762156)] // mpmath loggamma
    [InlineData(0.001, 6.9071788853838536825)] // mpmath loggamma
    public void LogGamma_matches_reference(double x, double expected) =>
        Assert.Equal(expected, SpecialFunctions.LogGamma(x), 1e-12 * Math.Max(1, Math.Abs(expected)));

    [Fact]
    public void Incomplete_gamma_matches_closed_forms_and_reference()
    {
        foreach (var x in new[] { 0.1, 1.0, 3.0, 20.0 })
        {
            Assert.Equal(1 - Math.Exp(-x), SpecialFunctions.RegularizedGammaP(1, x), 1e-14); // P(1, x) = 1 - e^-x
        }
        Assert.Equal(0.22022259152428407907, SpecialFunctions.RegularizedGammaP(3.5, 2.0), 1e-14); // mpmath gammainc
        Assert.Equal(0.00013078397659141033656, SpecialFunctions.RegularizedGammaQ(50, 80), 1e-17); // mpmath gammainc upper
    }

    [Fact]
    public void Incomplete_beta_matches_closed_forms_and_reference()
    {
        Assert.Equal(0.3, SpecialFunctions.RegularizedBeta(0.3, 1, 1), 1e-15); // I_x(1,1) = x
        Assert.Equal(0.5, SpecialFunctions.RegularizedBeta(0.5, 7.5, 7.5), 1e-14); // symmetry
        Assert.Equal(1 - Math.Pow(0.7, 4), SpecialFunctions.RegularizedBeta(0.3, 1, 4), 1e-14); // I_x(1,b) = 1-(1-x)^b
        Assert.Equal(0.65669439180829174009, SpecialFunctions.RegularizedBeta(0.3, 2.5, 7.2), 1e-13); // mpmath betainc
    }

    [Theory]
    [InlineData(1.96, 0.97500210485177956379)] // mpmath ncdf
    [InlineData(-3.0, 0.0013498980316300945267)] // mpmath ncdf
    [InlineData(0.0, 0.5)]
    public void Normal_cdf_matches_reference(double x, double expected) =>
        Assert.Equal(expected, NormalDistribution.Cdf(x), 1e-15);

    [Fact]
    public void Normal_upper_tail_keeps_relative_precision_far_out() =>
        Assert.Equal(6.2209605742717841235e-16, NormalDistribution.UpperTail(8), 1e-27); // mpmath erfc(8/√2)/2

    [Theory]
    [InlineData(0.975, 1.9599639845400542355)] // mpmath √2·erfinv(0.95)
    [InlineData(0.999, 3.0902323061678135415)] // mpmath
    [InlineData(1e-10, -6.3613409024040562047)] // mpmath
    [InlineData(0.5, 0.0)]
    public void Normal_inverse_matches_reference(double p, double expected) =>
        Assert.Equal(expected, NormalDistribution.InverseCdf(p), 1e-12);

    [Fact]
    public void Normal_inverse_round_trips_the_cdf()
    {
        foreach (var p in new[] { 1e-300, 1e-20, 0.01, 0.3, 0.7, 0.99, 1 - 1e-12 })
        {
            var x = NormalDistribution.InverseCdf(p);
            var back = p < 0.5 ? NormalDistribution.Cdf(x) : 1 - NormalDistribution.UpperTail(x);
            Assert.Equal(p, back, Math.Max(1e-15, p * 1e-12));
        }
    }

    [Theory]
    [InlineData(5.991464547107979, 2, 0.05)] // df = 2: Q = exp(-x/2) exactly, x = -2 ln 0.05
    [InlineData(10.828, 1, 0.00099976571958309204)] // table critical value for 0.001; exact p from mpmath gammainc
    [InlineData(11.0705, 5, 0.049999955428043634555)] // table critical value for 0.05; mpmath
    [InlineData(124.342, 100, 0.050000715769971760090)] // table critical value for 0.05; mpmath
    [InlineData(7.8431372549019608, 1, 0.0051013996460049810528)] // SRM 10,000 vs 10,400 below; mpmath
    public void Chi_square_survival_matches_reference(double x, double df, double expected) =>
        Assert.Equal(expected, ChiSquareDistribution.SurvivalFunction(x, df), expected * 1e-10);

    [Fact]
    public void Student_t_cdf_matches_closed_forms_and_reference()
    {
        foreach (var t in new[] { -3.0, -0.5, 0.0, 0.7, 12.0 })
        {
            Assert.Equal(0.5 + Math.Atan(t) / Math.PI, StudentTDistribution.Cdf(t, 1), 1e-14); // Cauchy
            Assert.Equal(0.5 + t / (2 * Math.Sqrt(2 + t * t)), StudentTDistribution.Cdf(t, 2), 1e-14); // ν = 2 closed form
        }
        Assert.Equal(0.975, StudentTDistribution.Cdf(2.228138851986274, 10), 1e-13); // table t(10; 0.975)
        Assert.Equal(0.89320091539899323292, StudentTDistribution.Cdf(1.5, 3.7), 1e-13); // mpmath, fractional ν
        Assert.Equal(0.000034004959604390788799, StudentTDistribution.Cdf(-4, 1000), 1e-15); // mpmath
    }

    [Fact]
    public void Student_t_inverse_matches_reference()
    {
        Assert.Equal(2.0452296421327042982, StudentTDistribution.InverseCdf(0.975, 29), 1e-10); // mpmath findroot
        Assert.Equal(-2.228138851986274, StudentTDistribution.InverseCdf(0.025, 10), 1e-10); // table
    }
}
