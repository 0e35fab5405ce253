using System.Collections.Concurrent;
using Serverless.Recommendations.Data;

namespace Serverless.Recommendations.Factorization.Reference;

/// <summary>
/// The textbook solve: for every row, form the dense normal equations
/// (YtY + lambda I + sum_i s_i y_i y_i^T) x = sum_i (1 + s_i) y_i in double precision and solve
/// them exactly by Cholesky. O(nnz k^2 + rows k^3): the reference the CG solver is checked
/// against, and the straightforward baseline the training benchmark compares with.
/// </summary>
public sealed class CholeskyAlsBackend : IAlsBackend
{
    private const int RowsPerTask = 16;
    private readonly ParallelOptions _parallel;

    public CholeskyAlsBackend(int maxDegreeOfParallelism = -1) =>
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };

    public string Name => "cpu-exact-cholesky";

    public void SolveSide(CsrMatrix scaledWeights, float[] fixedFactors, float[] solved, AlsOptions options)
    {
        var k = options.Factors;
        AlsShapes.Check(scaledWeights, fixedFactors, solved, k);
        var gram = Gram(fixedFactors, k, options.Regularization);
        Parallel.ForEach(Partitioner.Create(0, scaledWeights.Rows, RowsPerTask), _parallel,
            () => (A: new double[k * k], B: new double[k]),
            (range, _, scratch) =>
            {
                for (var row = range.Item1; row < range.Item2; row++)
                {
                    SolveRow(gram, fixedFactors, scaledWeights.RowColumns(row), scaledWeights.RowValues(row),
                        solved.AsSpan(row * k, k), scratch.A, scratch.B);
                }
                return scratch;
            },
            _ => { });
    }

    public void Dispose() { }

    /// <summary>YtY + lambda I in double precision.</summary>
    public static double[] Gram(float[] factors, int k, float regularization)
    {
        var gram = new double[k * k];
        for (var row = 0; row < factors.Length / k; row++)
        {
            var y = factors.AsSpan(row * k, k);
            for (var a = 0; a < k; a++)
            {
                for (var b = 0; b < k; b++) gram[a * k + b] += (double)y[a] * y[b];
            }
        }
        for (var a = 0; a < k; a++) gram[a * k + a] += regularization;
        return gram;
    }

    /// <summary>The exact solution of one row's normal equations, written to <paramref name="x"/>.</summary>
    public static void SolveRow(ReadOnlySpan<double> gram, ReadOnlySpan<float> fixedFactors, ReadOnlySpan<int> columns,
        ReadOnlySpan<float> scaledWeights, Span<float> x, Span<double> a, Span<double> b)
    {
        var k = x.Length;
        gram.CopyTo(a);
        b.Clear();
        for (var n = 0; n < columns.Length; n++)
        {
            var y = fixedFactors.Slice(columns[n] * k, k);
            double s = scaledWeights[n];
            for (var i = 0; i < k; i++)
            {
                b[i] += (1 + s) * y[i];
                var sy = s * y[i];
                for (var j = 0; j < k; j++) a[i * k + j] += sy * y[j];
            }
        }

        CholeskyInPlace(a, k);
        // Forward then back substitution: L z = b, L^T x = z.
        for (var i = 0; i < k; i++)
        {
            var sum = b[i];
            for (var j = 0; j < i; j++) sum -= a[i * k + j] * b[j];
            b[i] = sum / a[i * k + i];
        }
        for (var i = k - 1; i >= 0; i--)
        {
            var sum = b[i];
            for (var j = i + 1; j < k; j++) sum -= a[j * k + i] * b[j];
            b[i] = sum / a[i * k + i];
        }
        for (var i = 0; i < k; i++) x[i] = (float)b[i];
    }

    /// <summary>Overwrites the lower triangle of a symmetric positive-definite matrix with its Cholesky factor L.</summary>
    private static void CholeskyInPlace(Span<double> a, int k)
    {
        for (var j = 0; j < k; j++)
        {
            var diagonal = a[j * k + j];
            for (var m = 0; m < j; m++) diagonal -= a[j * k + m] * a[j * k + m];
            if (!(diagonal > 0)) throw new ArithmeticException($"Normal equations are not positive definite at pivot {j}.");
            var l = Math.Sqrt(diagonal);
            a[j * k + j] = l;
            for (var i = j + 1; i < k; i++)
            {
                var sum = a[i * k + j];
                for (var m = 0; m < j; m++) sum -= a[i * k + m] * a[j * k + m];
                a[i * k + j] = sum / l;
            }
        }
    }
}
