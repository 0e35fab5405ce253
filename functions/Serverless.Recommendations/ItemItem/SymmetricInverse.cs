using System.Numerics.Tensors;

namespace Serverless.Recommendations.ItemItem;

/// <summary>
/// The inverse of a symmetric positive definite matrix by Cholesky: A = L L^T, M = L^-1, A^-1 = M^T M.
/// Every inner loop is a dot product of two contiguous row segments (row-major storage, with M kept
/// transposed), so it runs as SIMD; the two inverse stages are split over independent columns. Each entry
/// is computed by the same sequence of operations whatever the threads, so the result is deterministic.
/// About n^3 / 2 multiply-adds in all.
/// </summary>
internal static class SymmetricInverse
{
    /// <summary>Inverts <paramref name="matrix"/> (n x n, row-major, symmetric positive definite) in place.</summary>
    /// <exception cref="ArgumentException">The matrix is not positive definite (a pivot is not positive).</exception>
    public static void InvertInPlace(double[] matrix, int n, ParallelOptions parallel, CancellationToken cancellationToken = default)
    {
        if (matrix.Length != n * n) throw new ArgumentException($"Expected {n} x {n} = {n * n} values, got {matrix.Length}.", nameof(matrix));
        var a = matrix;

        // 1. Cholesky, row by row (Cholesky-Banachiewicz): the lower triangle of a becomes L.
        for (var i = 0; i < n; i++)
        {
            if ((i & 63) == 0) cancellationToken.ThrowIfCancellationRequested();
            var rowI = a.AsSpan(i * n, n);
            for (var j = 0; j < i; j++)
            {
                var rowJ = a.AsSpan(j * n, j);
                rowI[j] = (rowI[j] - TensorPrimitives.Dot(rowI[..j], rowJ)) / a[j * n + j];
            }
            var pivot = rowI[i] - TensorPrimitives.Dot(rowI[..i], rowI[..i]);
            if (!(pivot > 0)) throw new ArgumentException($"The matrix is not positive definite (pivot {i} is {pivot}).", nameof(matrix));
            rowI[i] = Math.Sqrt(pivot);
        }

        // 2. M = L^-1 (lower), stored transposed: mt[c, i] = M[i, c], so column c of M is a contiguous row.
        var mt = new double[n * n];
        Parallel.For(0, n, parallel, c =>
        {
            var column = mt.AsSpan(c * n, n);
            column[c] = 1 / a[c * n + c];
            for (var i = c + 1; i < n; i++)
            {
                column[i] = -TensorPrimitives.Dot(a.AsSpan(i * n + c, i - c), column.Slice(c, i - c)) / a[i * n + i];
            }
        });
        cancellationToken.ThrowIfCancellationRequested();

        // 3. A^-1 = M^T M: entry (r, s), s <= r, is the dot product of M's columns r and s over rows r..n-1.
        Parallel.For(0, n, parallel, r =>
        {
            var columnR = mt.AsSpan(r * n + r, n - r);
            for (var s = 0; s <= r; s++) a[r * n + s] = TensorPrimitives.Dot(columnR, mt.AsSpan(s * n + r, n - r));
        });
        for (var r = 0; r < n; r++)
        {
            for (var s = r + 1; s < n; s++) a[r * n + s] = a[s * n + r];
        }
    }
}
