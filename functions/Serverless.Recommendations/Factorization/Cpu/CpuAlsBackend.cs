using System.Collections.Concurrent;
using Serverless.Recommendations.Data;

namespace Serverless.Recommendations.Factorization.Cpu;

/// <summary>
/// The default backend: conjugate-gradient rows with SIMD kernels on all cores. Each row depends
/// only on the other side's factors and its own warm start, so results do not depend on scheduling.
/// </summary>
public sealed class CpuAlsBackend : IAlsBackend
{
    private const int RowsPerTask = 32;
    private readonly ParallelOptions _parallel;
    private readonly bool _simd;

    /// <param name="maxDegreeOfParallelism">Threads to use; -1 for all cores.</param>
    /// <param name="useSimd">False runs the same arithmetic with plain loops (a benchmark comparison).</param>
    public CpuAlsBackend(int maxDegreeOfParallelism = -1, bool useSimd = true)
    {
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
        _simd = useSimd;
    }

    public string Name => _simd ? "cpu-simd" : "cpu-scalar";

    public void SolveSide(CsrMatrix scaledWeights, float[] fixedFactors, float[] solved, AlsOptions options)
    {
        if (_simd) Solve<SimdVectorOps>(scaledWeights, fixedFactors, solved, options);
        else Solve<ScalarVectorOps>(scaledWeights, fixedFactors, solved, options);
    }

    public void Dispose() { }

    private void Solve<TOps>(CsrMatrix weights, float[] fixedFactors, float[] solved, AlsOptions options)
        where TOps : IVectorOps
    {
        var k = options.Factors;
        AlsShapes.Check(weights, fixedFactors, solved, k);
        var gram = GramMatrix.Compute<TOps>(fixedFactors, k, options.Regularization, _parallel);

        Parallel.ForEach(Partitioner.Create(0, weights.Rows, RowsPerTask), _parallel,
            () => new float[3 * k],
            (range, _, scratch) =>
            {
                for (var row = range.Item1; row < range.Item2; row++)
                {
                    ConjugateGradient.SolveRow<TOps>(gram, fixedFactors, weights.RowColumns(row), weights.RowValues(row),
                        solved.AsSpan(row * k, k), options.CgSteps, scratch);
                }
                return scratch;
            },
            _ => { });
    }
}
