using Serverless.Recommendations.Data;

namespace Serverless.Recommendations.ItemItem;

/// <summary>
/// The closed-form EASE solution (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"):
/// with G = X^T X + lambda I and P = G^-1, the item-item weights are B = I - P diag(1 / diag(P)) with a
/// zero diagonal, which minimises ||X - X B||^2 + lambda ||B||^2 subject to diag(B) = 0.
/// </summary>
public static class EaseSolver
{
    /// <summary>Bytes the solver holds at once for a catalogue of <paramref name="items"/> items (two n x n double matrices and B).</summary>
    public static long WorkingBytes(int items) => (long)items * items * (2 * sizeof(double) + sizeof(float));

    /// <param name="weighted">User-by-item matrix, already weighted (see <see cref="InteractionWeighting"/>).</param>
    /// <returns>B, items x items, row-major as float: row i holds how much having item i adds to each other item.</returns>
    public static float[] Solve(CsrMatrix weighted, float regularization, int maxDegreeOfParallelism = -1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(weighted);
        if (!(regularization > 0) || !float.IsFinite(regularization))
        {
            throw new ArgumentOutOfRangeException(nameof(regularization), regularization, "Regularization must be positive and finite.");
        }
        var n = weighted.Columns;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism, CancellationToken = cancellationToken };

        var gram = Gram(weighted, parallel);
        for (var i = 0; i < n; i++) gram[i * n + i] += regularization;
        SymmetricInverse.InvertInPlace(gram, n, parallel, cancellationToken);

        var weights = new float[n * n];
        Parallel.For(0, n, parallel, i =>
        {
            for (var j = 0; j < n; j++) weights[i * n + j] = i == j ? 0f : (float)(-gram[i * n + j] / gram[j * n + j]);
        });
        return weights;
    }

    /// <summary>
    /// X^T X in double precision. Built from the item-by-user view, one item row at a time: each row of the
    /// result is owned by one task, so no two tasks write the same entry and the sums keep a fixed order.
    /// </summary>
    private static double[] Gram(CsrMatrix userItems, ParallelOptions parallel)
    {
        var n = userItems.Columns;
        var itemUsers = userItems.Transpose();
        var gram = new double[n * n];
        Parallel.For(0, n, parallel, i =>
        {
            var row = gram.AsSpan(i * n, n);
            var users = itemUsers.RowColumns(i);
            var values = itemUsers.RowValues(i);
            for (var p = 0; p < users.Length; p++)
            {
                var user = users[p];
                double wi = values[p];
                var items = userItems.RowColumns(user);
                var weights = userItems.RowValues(user);
                for (var q = 0; q < items.Length; q++) row[items[q]] += wi * weights[q];
            }
        });
        return gram;
    }
}
