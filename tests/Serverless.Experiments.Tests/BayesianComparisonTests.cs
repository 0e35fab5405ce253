using Serverless.Experiments.Statistics;

namespace Serverless.Experiments.Tests;

public class BayesianComparisonTests
{
    [Fact]
    public void Probability_best_and_expected_loss_match_the_closed_form()
    {
        // A: no data, Beta(1,1) = uniform. B: 1 conversion of 1, Beta(2,1) with density 2b.
        // P(B > A) = ∫ 2b·b db = 2/3. E[max] = ∫ 2b (b² + (1−b²)/2) db = 3/4, E[A] = 1/2, E[B] = 2/3,
        // so loss(A) = 1/4, loss(B) = 1/12. Monte Carlo error with 200,000 draws is about 0.001.
        var figures = BayesianComparison.ForConversions([(0, 0), (1, 1)], 200_000, seed: 7);
        Assert.Equal(1.0 / 3, figures.ProbabilityBest[0], 0.005);
        Assert.Equal(2.0 / 3, figures.ProbabilityBest[1], 0.005);
        Assert.Equal(0.25, figures.ExpectedLoss[0], 0.003);
        Assert.Equal(1.0 / 12, figures.ExpectedLoss[1], 0.003);
    }

    [Fact]
    public void Normal_posteriors_match_the_closed_form()
    {
        // θ_B − θ_A ~ N(0.1, 0.1² + 0.2²); P(B > A) = Φ(0.1/√0.05) = Φ(0.4472136) = 0.67264 (mpmath ncdf).
        var figures = BayesianComparison.ForMeans([(1.0, 0.1), (1.1, 0.2)], 200_000, seed: 11);
        Assert.Equal(0.6726396, figures.ProbabilityBest[1], 0.005);
    }

    [Fact]
    public void Same_seed_gives_identical_figures_and_another_seed_differs()
    {
        var a = BayesianComparison.ForConversions([(50, 1000), (60, 1000), (55, 1000)], 10_000, seed: 42);
        var b = BayesianComparison.ForConversions([(50, 1000), (60, 1000), (55, 1000)], 10_000, seed: 42);
        var c = BayesianComparison.ForConversions([(50, 1000), (60, 1000), (55, 1000)], 10_000, seed: 43);
        Assert.Equal(a.ProbabilityBest, b.ProbabilityBest);
        Assert.Equal(a.ExpectedLoss, b.ExpectedLoss);
        Assert.NotEqual(a.ProbabilityBest, c.ProbabilityBest);
        Assert.Equal(1.0, a.ProbabilityBest.Sum(), 1e-12);
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(1.0)]
    [InlineData(4.5)]
    [InlineData(250.0)]
    public void Gamma_draws_have_the_right_mean_and_variance(double shape)
    {
        // Gamma(k, 1): mean k, variance k. 100,000 draws: standard error of the mean √(k/1e5).
        var random = new SeededRandom(123);
        const int n = 100_000;
        double sum = 0, sumSquares = 0;
        for (var i = 0; i < n; i++)
        {
            var x = random.NextGamma(shape);
            sum += x;
            sumSquares += x * x;
        }
        var mean = sum / n;
        var variance = (sumSquares - sum * mean) / (n - 1);
        Assert.Equal(shape, mean, 5 * Math.Sqrt(shape / n));
        Assert.Equal(shape, variance, 0.05 * shape);
    }

    [Fact]
    public void Beta_draws_have_the_right_mean()
    {
        // Beta(a, b) mean a/(a+b) = 0.05 for (51, 969).
        var random = new SeededRandom(5);
        var mean = Enumerable.Range(0, 50_000).Average(_ => random.NextBeta(51, 969));
        Assert.Equal(51.0 / 1020, mean, 0.0005);
    }

    [Fact]
    public void Seeded_random_is_reproducible_across_instances()
    {
        var a = new SeededRandom(99);
        var b = new SeededRandom(99);
        Assert.Equal(Enumerable.Range(0, 5).Select(_ => a.NextUInt64()), Enumerable.Range(0, 5).Select(_ => b.NextUInt64()));
    }
}
