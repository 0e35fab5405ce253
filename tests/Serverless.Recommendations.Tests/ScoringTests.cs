using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.Factorization.Cpu;
using Serverless.Recommendations.Scoring;

namespace Serverless.Recommendations.Tests;

public class ScoringTests
{
    private static readonly Lazy<AlsModel> Model = new(() =>
    {
        using var backend = new CpuAlsBackend();
        return AlsTrainer.Train(TestData.SmallDataset, new AlsOptions { Factors = 12, Iterations = 5 }, backend).Model;
    });

    [Fact]
    public void The_heap_keeps_the_best_k_in_order_with_ties_to_the_lower_index()
    {
        var random = new DeterministicRandom(5);
        var scores = Enumerable.Range(0, 500).Select(_ => (float)random.NextInt(50)).ToArray();
        var heap = new TopKHeap(20);
        for (var i = 0; i < scores.Length; i++) heap.Push(i, scores[i]);
        var items = new int[20];
        var values = new float[20];

        Assert.Equal(20, heap.DrainDescending(items, values));

        var expected = Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(20).ToArray();
        Assert.Equal(expected, items);
        Assert.Equal(expected.Select(i => scores[i]), values);
    }

    [Fact]
    public void User_lists_are_the_top_unseen_items_by_dot_product()
    {
        var model = Model.Value;
        var lists = UserRecommender.Recommend(model, new Shard(0, 10, 20), 15);

        Assert.Equal(20, lists.Count);
        foreach (var list in lists)
        {
            var user = model.Users.IndexOf(list.SubjectId);
            var seen = model.Interactions.RowColumns(user).ToArray();
            var expected = Enumerable.Range(0, model.Items.Count).Where(i => !seen.Contains(i))
                .Select(i => (Item: i, Score: Dot(model.UserVector(user), model.ItemVector(i))))
                .OrderByDescending(p => p.Score).ThenBy(p => p.Item).Take(15).ToArray();
            Assert.Equal(15, list.Items.Count);
            Assert.DoesNotContain(list.Items, i => seen.Contains(model.Items.IndexOf(i.ItemId)));
            for (var r = 0; r < 15; r++) Assert.Equal(expected[r].Score, list.Items[r].Score, 1e-4f);
        }
    }

    [Fact]
    public void Item_neighbours_are_the_most_cosine_similar_other_items()
    {
        var model = Model.Value;
        var lists = ItemNeighbours.Compute(model, new Shard(0, 0, 30), 8);

        foreach (var list in lists)
        {
            var item = model.Items.IndexOf(list.SubjectId);
            var expected = Enumerable.Range(0, model.Items.Count).Where(i => i != item)
                .Select(i => Cosine(model.ItemVector(item), model.ItemVector(i)))
                .OrderByDescending(s => s).Take(8).ToArray();
            Assert.DoesNotContain(list.Items, i => i.ItemId == list.SubjectId);
            for (var r = 0; r < 8; r++) Assert.Equal(expected[r], list.Items[r].Score, 1e-4f);
            Assert.True(list.Items[0].Score <= 1.0001f);
        }
    }

    [Fact]
    public void Asking_for_no_items_gives_empty_lists()
    {
        var lists = UserRecommender.Recommend(Model.Value, new Shard(0, 0, 5), 0);
        Assert.Equal(5, lists.Count);
        Assert.All(lists, l => Assert.Empty(l.Items));
    }

    [Fact]
    public void Shard_plans_cover_every_index_once()
    {
        var shards = Shard.Plan(103, 10);
        Assert.Equal(10, shards.Count);
        Assert.Equal(Enumerable.Range(0, 103), shards.SelectMany(s => Enumerable.Range(s.Start, s.Count)));
        Assert.True(shards.Max(s => s.Count) - shards.Min(s => s.Count) <= 1);
        Assert.Equal(3, Shard.Plan(3, 10).Count);
        Assert.Equal(4, Shard.PlanBySize(100, 25).Count);
    }

    [Fact]
    public void A_shard_outside_the_model_is_a_clear_error()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => UserRecommender.Recommend(Model.Value, new Shard(3, 390, 20), 10));
        Assert.Contains("400 users", error.Message);
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (var i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return (float)sum;
    }

    private static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b) =>
        Dot(a, b) / MathF.Sqrt(Dot(a, a) * Dot(b, b));
}
