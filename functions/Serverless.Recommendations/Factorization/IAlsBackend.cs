using Serverless.Recommendations.Data;

namespace Serverless.Recommendations.Factorization;

/// <summary>
/// Runs the heavy half of an ALS iteration. Implementations differ in where and how (SIMD on all
/// cores, ILGPU kernels, an exact dense solve as reference), never in what they compute.
/// </summary>
public interface IAlsBackend : IDisposable
{
    /// <summary>Short name recorded in manifests, for example <c>cpu-simd</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Recomputes every row of <paramref name="solved"/> (rows x factors, row-major) against the
    /// fixed side (<paramref name="fixedFactors"/>, columns x factors): each row x solves
    /// (YtY + lambda I + sum_i s_i y_i y_i^T) x = sum_i (1 + s_i) y_i, where s_i = alpha * weight are the
    /// values of <paramref name="scaledWeights"/> (confidence minus one). The current rows are the warm start.
    /// </summary>
    void SolveSide(CsrMatrix scaledWeights, float[] fixedFactors, float[] solved, AlsOptions options);
}
