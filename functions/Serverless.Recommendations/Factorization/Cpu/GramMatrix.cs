namespace Serverless.Recommendations.Factorization.Cpu;

/// <summary>
/// G = YtY + lambda I over a factor matrix. Rows are summed in fixed chunks and the chunk sums are
/// added in chunk order, so the result is the same bits whatever the number of threads.
/// </summary>
internal static class GramMatrix
{
    private const int RowsPerChunk = 256;

    public static float[] Compute<TOps>(float[] factors, int k, float regularization, ParallelOptions parallel)
        where TOps : IVectorOps
    {
        var rows = factors.Length / k;
        var chunks = (rows + RowsPerChunk - 1) / RowsPerChunk;
        var partial = new float[Math.Max(chunks, 1)][];
        Parallel.For(0, chunks, parallel, chunk =>
        {
            var sum = new float[k * k];
            var end = Math.Min(rows, (chunk + 1) * RowsPerChunk);
            for (var row = chunk * RowsPerChunk; row < end; row++)
            {
                var y = factors.AsSpan(row * k, k);
                for (var a = 0; a < k; a++) TOps.AddScaled(sum.AsSpan(a * k, k), y, y[a]);
            }
            partial[chunk] = sum;
        });

        var gram = new float[k * k];
        for (var chunk = 0; chunk < chunks; chunk++)
        {
            for (var i = 0; i < gram.Length; i++) gram[i] += partial[chunk][i];
        }
        for (var a = 0; a < k; a++) gram[a * k + a] += regularization;
        return gram;
    }
}
