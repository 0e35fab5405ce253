namespace Serverless.Recommendations.Factorization.Cpu;

/// <summary>
/// The per-row solver of implicit ALS by conjugate gradient (Takacs, Pilaszy and Tikk 2011):
/// a few CG steps on (G + sum_i s_i y_i y_i^T) x = sum_i (1 + s_i) y_i, warm-started from x, with
/// G = YtY + lambda I shared by all rows. The matrix is never formed; each product touches only
/// the row's own items, so a step costs O(k^2 + nnz k).
/// </summary>
internal static class ConjugateGradient
{
    /// <summary>Residual norm (squared) below which a row counts as solved.</summary>
    private const float Converged = 1e-20f;

    /// <param name="gram">G = YtY + lambda I, k x k row-major.</param>
    /// <param name="fixedFactors">The other side's factors, one k-vector per column.</param>
    /// <param name="columns">The row's non-zero columns.</param>
    /// <param name="scaledWeights">s_i = alpha * w_i (confidence minus one) for those columns.</param>
    /// <param name="x">The row's factors: the warm start in, the improved solution out.</param>
    /// <param name="steps">CG steps to take.</param>
    /// <param name="scratch">At least 3k floats.</param>
    public static void SolveRow<TOps>(ReadOnlySpan<float> gram, ReadOnlySpan<float> fixedFactors,
        ReadOnlySpan<int> columns, ReadOnlySpan<float> scaledWeights, Span<float> x, int steps, Span<float> scratch)
        where TOps : IVectorOps
    {
        var k = x.Length;
        var r = scratch[..k];
        var p = scratch.Slice(k, k);
        var ap = scratch.Slice(2 * k, k);

        // r = b - A x = sum_i (1 + s_i - s_i y_i.x) y_i - G x
        MultiplyGram<TOps>(gram, x, r);
        for (var a = 0; a < k; a++) r[a] = -r[a];
        for (var n = 0; n < columns.Length; n++)
        {
            var y = fixedFactors.Slice(columns[n] * k, k);
            var s = scaledWeights[n];
            TOps.AddScaled(r, y, 1f + s - s * TOps.Dot(y, x));
        }

        r.CopyTo(p);
        var rsOld = TOps.Dot(r, r);
        if (rsOld < Converged) return;

        for (var step = 0; step < steps; step++)
        {
            // Ap = G p + sum_i s_i (y_i.p) y_i
            MultiplyGram<TOps>(gram, p, ap);
            for (var n = 0; n < columns.Length; n++)
            {
                var y = fixedFactors.Slice(columns[n] * k, k);
                TOps.AddScaled(ap, y, scaledWeights[n] * TOps.Dot(y, p));
            }

            var alpha = rsOld / TOps.Dot(p, ap);
            TOps.AddScaled(x, p, alpha);
            TOps.AddScaled(r, ap, -alpha);
            var rsNew = TOps.Dot(r, r);
            if (rsNew < Converged) return;

            // p = r + (rsNew / rsOld) p
            var beta = rsNew / rsOld;
            for (var a = 0; a < k; a++) p[a] = r[a] + beta * p[a];
            rsOld = rsNew;
        }
    }

    private static void MultiplyGram<TOps>(ReadOnlySpan<float> gram, ReadOnlySpan<float> v, Span<float> result)
        where TOps : IVectorOps
    {
        var k = v.Length;
        for (var a = 0; a < k; a++) result[a] = TOps.Dot(gram.Slice(a * k, k), v);
    }
}
