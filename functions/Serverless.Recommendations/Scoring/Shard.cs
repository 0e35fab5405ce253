namespace Serverless.Recommendations.Scoring;

/// <summary>A contiguous range of dense indices (users or items) handled by one fan-out call.</summary>
public readonly record struct Shard(int Index, int Start, int Count)
{
    public int End => Start + Count;

    /// <summary>Splits 0..total-1 into at most <paramref name="shardCount"/> contiguous shards whose sizes differ by at most one.</summary>
    public static IReadOnlyList<Shard> Plan(int total, int shardCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shardCount);
        var shards = new List<Shard>();
        var count = Math.Min(shardCount, total);
        for (int i = 0, start = 0; i < count; i++)
        {
            var size = total / count + (i < total % count ? 1 : 0);
            shards.Add(new Shard(i, start, size));
            start += size;
        }
        return shards;
    }

    /// <summary>Splits 0..total-1 into shards of at most <paramref name="shardSize"/> indices.</summary>
    public static IReadOnlyList<Shard> PlanBySize(int total, int shardSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shardSize);
        return Plan(total, Math.Max(1, (total + shardSize - 1) / shardSize));
    }
}
