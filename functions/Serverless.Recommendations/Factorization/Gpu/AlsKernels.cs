using ILGPU;

namespace Serverless.Recommendations.Factorization.Gpu;

/// <summary>
/// The ALS half-iteration as ILGPU kernels: the Gram matrix (one thread per entry) and the
/// conjugate-gradient row update (one thread per row), the same arithmetic as the CPU solver.
/// </summary>
internal static class AlsKernels
{
    /// <summary>gram[a, b] = sum_rows y[a] y[b] (+ lambda on the diagonal).</summary>
    public static void Gram(Index1D index, ArrayView<float> factors, int rows, int k, float regularization, ArrayView<float> gram)
    {
        var a = index / k;
        var b = index % k;
        var sum = 0f;
        for (var row = 0; row < rows; row++) sum += factors[row * k + a] * factors[row * k + b];
        if (a == b) sum += regularization;
        gram[index] = sum;
    }

    /// <summary>CG steps for one row, warm-started from solved[row]; scratch holds r, p and Ap (3k per row).</summary>
    public static void ConjugateGradientRow(Index1D row, ArrayView<int> rowPointers, ArrayView<int> columns, ArrayView<float> scaledWeights,
        ArrayView<float> fixedFactors, ArrayView<float> gram, ArrayView<float> solved, ArrayView<float> scratch, int k, int steps)
    {
        var x = row * k;
        var r = row * 3 * k;
        var p = r + k;
        var ap = p + k;
        var start = rowPointers[row];
        var end = rowPointers[row + 1];

        // r = sum_i (1 + s_i - s_i y_i.x) y_i - G x
        for (var a = 0; a < k; a++)
        {
            var g = 0f;
            for (var b = 0; b < k; b++) g += gram[a * k + b] * solved[x + b];
            scratch[r + a] = -g;
        }
        for (var n = start; n < end; n++)
        {
            var y = columns[n] * k;
            var s = scaledWeights[n];
            var dot = 0f;
            for (var a = 0; a < k; a++) dot += fixedFactors[y + a] * solved[x + a];
            var scale = 1f + s - s * dot;
            for (var a = 0; a < k; a++) scratch[r + a] += scale * fixedFactors[y + a];
        }

        var rsOld = 0f;
        for (var a = 0; a < k; a++)
        {
            scratch[p + a] = scratch[r + a];
            rsOld += scratch[r + a] * scratch[r + a];
        }
        if (rsOld < 1e-20f) return;

        for (var step = 0; step < steps; step++)
        {
            for (var a = 0; a < k; a++)
            {
                var g = 0f;
                for (var b = 0; b < k; b++) g += gram[a * k + b] * scratch[p + b];
                scratch[ap + a] = g;
            }
            for (var n = start; n < end; n++)
            {
                var y = columns[n] * k;
                var dot = 0f;
                for (var a = 0; a < k; a++) dot += fixedFactors[y + a] * scratch[p + a];
                var scale = scaledWeights[n] * dot;
                for (var a = 0; a < k; a++) scratch[ap + a] += scale * fixedFactors[y + a];
            }

            var pAp = 0f;
            for (var a = 0; a < k; a++) pAp += scratch[p + a] * scratch[ap + a];
            var alpha = rsOld / pAp;
            var rsNew = 0f;
            for (var a = 0; a < k; a++)
            {
                solved[x + a] += alpha * scratch[p + a];
                scratch[r + a] -= alpha * scratch[ap + a];
                rsNew += scratch[r + a] * scratch[r + a];
            }
            if (rsNew < 1e-20f) return;

            var beta = rsNew / rsOld;
            for (var a = 0; a < k; a++) scratch[p + a] = scratch[r + a] + beta * scratch[p + a];
            rsOld = rsNew;
        }
    }
}
