using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.InteropServices;
using Serverless.Recommendations.Data;

namespace Serverless.Recommendations.Scoring;

/// <summary>One subject's ranked items as dense indices, best first.</summary>
internal readonly record struct DenseRanking(int[] Items, float[] Scores);

/// <summary>
/// Top-N of dot products between query rows and every target row: a blocked matrix product (four
/// queries share each target load; SIMD over the factor dimension) feeding one small heap per query.
/// Each score is computed by the same instruction sequence whatever the block, so results do not
/// depend on shard boundaries or threads.
/// </summary>
internal static class BlockScorer
{
    private const int QueriesPerBlock = 4;
    private const int BlocksPerTask = 4;

    /// <param name="queries">Query factors, k per row.</param>
    /// <param name="rows">Query rows to rank for.</param>
    /// <param name="targets">Target factors, k per row.</param>
    /// <param name="exclude">Per query row, sorted target indices to skip (items a user has), or null.</param>
    /// <param name="excludeSelf">Skip the target with the query's own index (item-to-item).</param>
    public static DenseRanking[] TopN(float[] queries, IReadOnlyList<int> rows, float[] targets, int k, int n,
        CsrMatrix? exclude, bool excludeSelf, int maxDegreeOfParallelism = -1)
    {
        var results = new DenseRanking[rows.Count];
        if (rows.Count == 0) return results;
        var blocks = (rows.Count + QueriesPerBlock - 1) / QueriesPerBlock;
        var targetCount = targets.Length / k;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };

        Parallel.ForEach(Partitioner.Create(0, blocks, BlocksPerTask), parallel,
            () => new Scratch(targetCount, n),
            (range, _, scratch) =>
            {
                for (var block = range.Item1; block < range.Item2; block++)
                {
                    var first = block * QueriesPerBlock;
                    var inBlock = Math.Min(QueriesPerBlock, rows.Count - first);
                    // A short last block repeats its last query; the repeats are discarded.
                    var query = scratch.Queries;
                    for (var q = 0; q < QueriesPerBlock; q++) query[q] = rows[first + Math.Min(q, inBlock - 1)];

                    Score4(queries.AsSpan(query[0] * k, k), queries.AsSpan(query[1] * k, k), queries.AsSpan(query[2] * k, k),
                        queries.AsSpan(query[3] * k, k), targets, k, scratch.Scores);

                    for (var q = 0; q < inBlock; q++)
                    {
                        results[first + q] = Select(scratch.Scores[q], query[q], exclude, excludeSelf, scratch.Heap);
                    }
                }
                return scratch;
            },
            _ => { });
        return results;
    }

    /// <summary>The best entries of one row of scores, skipping the row's excluded targets (and itself when asked).</summary>
    internal static DenseRanking Select(ReadOnlySpan<float> scores, int row, CsrMatrix? exclude, bool excludeSelf, TopKHeap heap)
    {
        heap.Clear();
        var skip = exclude is null ? ReadOnlySpan<int>.Empty : exclude.RowColumns(row);
        var next = 0;
        for (var target = 0; target < scores.Length; target++)
        {
            if (next < skip.Length && skip[next] == target)
            {
                next++;
                continue;
            }
            if (excludeSelf && target == row) continue;
            if (scores[target] > heap.Threshold || heap.Count < heap.Capacity) heap.Push(target, scores[target]);
        }
        var items = new int[heap.Count];
        var values = new float[heap.Count];
        heap.DrainDescending(items, values);
        return new DenseRanking(items, values);
    }

    /// <summary>s_q[j] = query_q . target_j for four queries against every target.</summary>
    internal static void Score4(ReadOnlySpan<float> q0, ReadOnlySpan<float> q1, ReadOnlySpan<float> q2, ReadOnlySpan<float> q3,
        ReadOnlySpan<float> targets, int k, float[][] scores)
    {
        var width = Vector<float>.Count;
        var vectorEnd = k - k % width;
        ref var r0 = ref MemoryMarshal.GetReference(q0);
        ref var r1 = ref MemoryMarshal.GetReference(q1);
        ref var r2 = ref MemoryMarshal.GetReference(q2);
        ref var r3 = ref MemoryMarshal.GetReference(q3);
        var count = targets.Length / k;
        var (s0, s1, s2, s3) = (scores[0], scores[1], scores[2], scores[3]);

        for (var j = 0; j < count; j++)
        {
            var target = targets.Slice(j * k, k);
            ref var t = ref MemoryMarshal.GetReference(target);
            Vector<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (var c = 0; c < vectorEnd; c += width)
            {
                var v = Vector.LoadUnsafe(ref t, (nuint)c);
                a0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref r0, (nuint)c), v, a0);
                a1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref r1, (nuint)c), v, a1);
                a2 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref r2, (nuint)c), v, a2);
                a3 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref r3, (nuint)c), v, a3);
            }
            float d0 = Vector.Sum(a0), d1 = Vector.Sum(a1), d2 = Vector.Sum(a2), d3 = Vector.Sum(a3);
            for (var c = vectorEnd; c < k; c++)
            {
                d0 += q0[c] * target[c];
                d1 += q1[c] * target[c];
                d2 += q2[c] * target[c];
                d3 += q3[c] * target[c];
            }
            s0[j] = d0;
            s1[j] = d1;
            s2[j] = d2;
            s3[j] = d3;
        }
    }

    private sealed class Scratch(int targets, int n)
    {
        public float[][] Scores { get; } = [new float[targets], new float[targets], new float[targets], new float[targets]];
        public TopKHeap Heap { get; } = new(n);
        public int[] Queries { get; } = new int[QueriesPerBlock];
    }
}
