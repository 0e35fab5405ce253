using Serverless.Recommendations.Data;
using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.Factorization.Cpu;
using Serverless.Recommendations.Factorization.Reference;

namespace Serverless.Recommendations.Tests;

public class SolverTests
{
    private const int K = 6;

    private static (CsrMatrix Weights, float[] Fixed, double[] Gram) SmallProblem()
    {
        var weights = TestData.RandomMatrix(rows: 12, columns: 20, density: 0.3, seed: 3).WithValues(w => 2f * w);
        var options = new AlsOptions { Factors = K, InitialScale = 0.5f, Regularization = 0.3f };
        var fixedFactors = AlsFactorizer.InitialFactors(20, K, options, stream: 9);
        return (weights, fixedFactors, CholeskyAlsBackend.Gram(fixedFactors, K, options.Regularization));
    }

    private static float[] ToFloat(double[] values) => values.Select(v => (float)v).ToArray();

    [Fact]
    public void A_full_cg_row_update_equals_the_dense_exact_solve_of_the_normal_equations()
    {
        var (weights, y, gram) = SmallProblem();
        var scratch = new float[3 * K];
        for (var row = 0; row < weights.Rows; row++)
        {
            var exact = new float[K];
            CholeskyAlsBackend.SolveRow(gram, y, weights.RowColumns(row), weights.RowValues(row), exact, new double[K * K], new double[K]);
            var cg = new float[K]; // cold start: K steps of CG solve a K-dimensional system exactly (up to rounding)
            ConjugateGradient.SolveRow<SimdVectorOps>(ToFloat(gram), y, weights.RowColumns(row), weights.RowValues(row), cg, K, scratch);

            for (var a = 0; a < K; a++) Assert.Equal(exact[a], cg[a], 3e-4f);
        }
    }

    [Fact]
    public void The_exact_solve_satisfies_the_normal_equations()
    {
        var (weights, y, gram) = SmallProblem();
        const int row = 4;
        var x = new float[K];
        CholeskyAlsBackend.SolveRow(gram, y, weights.RowColumns(row), weights.RowValues(row), x, new double[K * K], new double[K]);

        // (G + sum s y y^T) x - sum (1 + s) y == 0, written out densely.
        var residual = new double[K];
        for (var a = 0; a < K; a++)
        {
            for (var b = 0; b < K; b++) residual[a] += gram[a * K + b] * x[b];
        }
        var columns = weights.RowColumns(row);
        var s = weights.RowValues(row);
        for (var n = 0; n < columns.Length; n++)
        {
            var yi = y.AsSpan(columns[n] * K, K);
            double dot = 0;
            for (var b = 0; b < K; b++) dot += yi[b] * x[b];
            for (var a = 0; a < K; a++) residual[a] += s[n] * dot * yi[a] - (1 + s[n]) * yi[a];
        }
        Assert.All(residual, r => Assert.True(Math.Abs(r) < 1e-4, $"residual {r}"));
    }

    [Fact]
    public void Each_warm_started_cg_step_moves_closer_to_the_exact_solution()
    {
        var (weights, y, gram) = SmallProblem();
        const int row = 7;
        var exact = new float[K];
        CholeskyAlsBackend.SolveRow(gram, y, weights.RowColumns(row), weights.RowValues(row), exact, new double[K * K], new double[K]);
        var start = exact.Select((v, i) => v + (i % 2 == 0 ? 0.3f : -0.2f)).ToArray();

        var previous = double.MaxValue;
        for (var steps = 1; steps <= 3; steps++)
        {
            var x = (float[])start.Clone();
            ConjugateGradient.SolveRow<ScalarVectorOps>(ToFloat(gram), y, weights.RowColumns(row), weights.RowValues(row), x, steps, new float[3 * K]);
            var error = Math.Sqrt(x.Zip(exact, (a, b) => (double)(a - b) * (a - b)).Sum());
            Assert.True(error < previous, $"after {steps} steps the error is {error}, before {previous}");
            previous = error;
        }
    }

    [Fact]
    public void A_full_sweep_with_cg_matches_the_exact_dense_sweep()
    {
        var (weights, y, _) = SmallProblem();
        var options = new AlsOptions { Factors = K, Regularization = 0.3f, CgSteps = K };
        var cg = AlsFactorizer.InitialFactors(weights.Rows, K, options, stream: 1);
        var exact = (float[])cg.Clone();

        using (var simd = new CpuAlsBackend()) simd.SolveSide(weights, y, cg, options);
        using (var cholesky = new CholeskyAlsBackend()) cholesky.SolveSide(weights, y, exact, options);

        for (var i = 0; i < cg.Length; i++) Assert.Equal(exact[i], cg[i], 3e-4f);
    }

    [Fact]
    public void Training_with_cg_reaches_the_same_loss_as_exact_als()
    {
        var matrix = TestData.SmallDataset.ToUserItemMatrix();
        var options = new AlsOptions { Factors = 8, Iterations = 8, Regularization = 5f, Alpha = 3f };

        using var cholesky = new CholeskyAlsBackend();
        using var simd = new CpuAlsBackend();
        var exact = AlsFactorizer.Factorize(matrix, options, cholesky);
        var cg = AlsFactorizer.Factorize(matrix, options, simd);

        var exactLoss = AlsObjective.Compute(matrix, exact, options);
        var cgLoss = AlsObjective.Compute(matrix, cg, options);
        var initialLoss = AlsObjective.Compute(matrix, AlsFactorizer.Factorize(matrix, options with { Iterations = 0 }, simd), options);
        Assert.True(exactLoss < 0.5 * initialLoss, $"exact ALS loss {exactLoss} vs initial {initialLoss}");
        Assert.True(Math.Abs(cgLoss - exactLoss) < 0.02 * exactLoss, $"CG loss {cgLoss} vs exact {exactLoss}");
    }

    [Fact]
    public void Exact_als_never_increases_the_loss()
    {
        var matrix = TestData.RandomMatrix(40, 30, 0.2, seed: 5);
        var options = new AlsOptions { Factors = 4, Regularization = 1f, Alpha = 2f };
        using var cholesky = new CholeskyAlsBackend();
        var previous = double.MaxValue;
        for (var iterations = 1; iterations <= 5; iterations++)
        {
            var loss = AlsObjective.Compute(matrix, AlsFactorizer.Factorize(matrix, options with { Iterations = iterations }, cholesky), options);
            Assert.True(loss <= previous * (1 + 1e-6), $"iteration {iterations}: {loss} after {previous}");
            previous = loss;
        }
    }

    [Fact]
    public void Bad_shapes_and_options_are_clear_errors()
    {
        var weights = TestData.RandomMatrix(3, 4, 0.5, seed: 1);
        using var backend = new CpuAlsBackend();
        var error = Assert.Throws<ArgumentException>(() => backend.SolveSide(weights, new float[4 * 2], new float[5], new AlsOptions { Factors = 2 }));
        Assert.Contains("3 rows x 2 factors", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlsOptions { Regularization = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlsOptions { CgSteps = 0 }.Validate());
    }
}

/// <summary>The implicit-ALS objective, computed densely (small matrices only): sum c (p - x.y)^2 + lambda (|X|^2 + |Y|^2).</summary>
internal static class AlsObjective
{
    public static double Compute(CsrMatrix weights, AlsFactors factors, AlsOptions options)
    {
        var k = factors.Factors;
        double loss = 0;
        for (var u = 0; u < weights.Rows; u++)
        {
            var observed = weights.RowColumns(u);
            var values = weights.RowValues(u);
            for (int i = 0, next = 0; i < weights.Columns; i++)
            {
                double dot = 0;
                for (var a = 0; a < k; a++) dot += factors.UserFactors[u * k + a] * factors.ItemFactors[i * k + a];
                if (next < observed.Length && observed[next] == i)
                {
                    loss += (1 + options.Alpha * values[next]) * (1 - dot) * (1 - dot);
                    next++;
                }
                else loss += dot * dot;
            }
        }
        loss += options.Regularization * (factors.UserFactors.Sum(v => (double)v * v) + factors.ItemFactors.Sum(v => (double)v * v));
        return loss;
    }
}
