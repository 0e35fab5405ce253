using Serverless.Recommendations.Models;

namespace Serverless.Recommendations.Scoring;

/// <summary>The "score users" fan-out step: user-to-items candidates by the model's scores, without items the user already has.</summary>
public static class UserRecommender
{
    /// <summary>The top <paramref name="count"/> unseen items for every user in the shard, best first.</summary>
    public static IReadOnlyList<ScoredList> Recommend(RecommendationModel model, Shard shard, int count, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckShard(shard, model.Users.Count, "users");
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var users = Enumerable.Range(shard.Start, shard.Count).ToArray();
        var rankings = RecommendDense(model, users, count, maxDegreeOfParallelism);
        var lists = new ScoredList[users.Length];
        for (var i = 0; i < users.Length; i++) lists[i] = ToScoredList(model.Users[users[i]], rankings[i], model);
        return lists;
    }

    internal static DenseRanking[] RecommendDense(RecommendationModel model, IReadOnlyList<int> users, int count, int maxDegreeOfParallelism = -1) =>
        model.RankItemsForUsers(users, count, maxDegreeOfParallelism);

    internal static ScoredList ToScoredList(string subject, DenseRanking ranking, RecommendationModel model)
    {
        var items = new ScoredItem[ranking.Items.Length];
        for (var j = 0; j < items.Length; j++) items[j] = new ScoredItem(model.Items[ranking.Items[j]], ranking.Scores[j]);
        return new ScoredList(subject, items);
    }

    internal static void CheckShard(Shard shard, int total, string what)
    {
        if (shard.Start < 0 || shard.Count < 0 || shard.End > total)
        {
            throw new ArgumentOutOfRangeException(nameof(shard), shard, $"Shard {shard.Index} covers {what} {shard.Start}..{shard.End - 1}, but the model has {total} {what}.");
        }
    }
}

/// <summary>The "item neighbours" fan-out step: item-to-items by the model's item similarity (cosine of ALS item factors, EASE weights).</summary>
public static class ItemNeighbours
{
    /// <summary>The <paramref name="count"/> most similar other items for every item in the shard, best first.</summary>
    public static IReadOnlyList<ScoredList> Compute(RecommendationModel model, Shard shard, int count, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(model);
        UserRecommender.CheckShard(shard, model.Items.Count, "items");
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var items = Enumerable.Range(shard.Start, shard.Count).ToArray();
        var rankings = model.RankSimilarItems(items, count, maxDegreeOfParallelism);
        var lists = new ScoredList[items.Length];
        for (var i = 0; i < items.Length; i++) lists[i] = UserRecommender.ToScoredList(model.Items[items[i]], rankings[i], model);
        return lists;
    }

    /// <summary>Rows scaled to unit length (zero rows stay zero), so dot products are cosines.</summary>
    internal static float[] Normalize(float[] factors, int k)
    {
        var normalized = new float[factors.Length];
        for (var row = 0; row < factors.Length / k; row++)
        {
            var source = factors.AsSpan(row * k, k);
            var norm = System.Numerics.Tensors.TensorPrimitives.Norm(source);
            if (norm > 0) System.Numerics.Tensors.TensorPrimitives.Divide(source, norm, normalized.AsSpan(row * k, k));
        }
        return normalized;
    }
}

/// <summary>Items ordered by how many users have them (ties by index): the popularity baseline and fallback.</summary>
internal static class PopularityOrder
{
    public static int[] Of(IReadOnlyList<int> userCounts)
    {
        var order = Enumerable.Range(0, userCounts.Count).ToArray();
        Array.Sort(order, (a, b) => userCounts[a] != userCounts[b] ? userCounts[b].CompareTo(userCounts[a]) : a.CompareTo(b));
        return order;
    }
}
