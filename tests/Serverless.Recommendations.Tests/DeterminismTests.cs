using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.Factorization.Cpu;
using Serverless.Recommendations.Scoring;

namespace Serverless.Recommendations.Tests;

public class DeterminismTests
{
    private static readonly AlsOptions Options = new() { Factors = 16, Iterations = 4 };

    [Fact]
    public void Same_seed_and_data_give_the_same_factors_bit_for_bit_whatever_the_thread_count()
    {
        var data = TestData.SmallDataset;
        AlsModel Train(int threads)
        {
            using var backend = new CpuAlsBackend(threads);
            return AlsTrainer.Train(data, Options, backend).Model;
        }

        var reference = Train(1);
        foreach (var threads in new[] { 2, 3, 8 })
        {
            var other = Train(threads);
            Assert.Equal(reference.Factors.UserFactors, other.Factors.UserFactors);
            Assert.Equal(reference.Factors.ItemFactors, other.Factors.ItemFactors);
        }
    }

    [Fact]
    public void A_different_seed_gives_different_factors()
    {
        var data = TestData.SmallDataset;
        using var backend = new CpuAlsBackend();
        var a = AlsTrainer.Train(data, Options, backend).Model;
        var b = AlsTrainer.Train(data, Options with { Seed = 43 }, backend).Model;
        Assert.NotEqual(a.Factors.UserFactors, b.Factors.UserFactors);
    }

    [Fact]
    public void Lists_do_not_depend_on_shard_boundaries_or_threads()
    {
        using var backend = new CpuAlsBackend();
        var model = AlsTrainer.Train(TestData.SmallDataset, Options, backend).Model;

        var whole = UserRecommender.Recommend(model, new Shard(0, 0, model.Users.Count), 10, maxDegreeOfParallelism: 1);
        var sharded = Shard.Plan(model.Users.Count, 7).SelectMany(s => UserRecommender.Recommend(model, s, 10)).ToList();
        Assert.Equal(Flatten(whole), Flatten(sharded));

        var neighbours = ItemNeighbours.Compute(model, new Shard(0, 0, model.Items.Count), 5, maxDegreeOfParallelism: 1);
        var neighboursSharded = Shard.Plan(model.Items.Count, 3).SelectMany(s => ItemNeighbours.Compute(model, s, 5)).ToList();
        Assert.Equal(Flatten(neighbours), Flatten(neighboursSharded));
    }

    private static string[] Flatten(IEnumerable<ScoredList> lists) =>
        lists.SelectMany(l => l.Items.Select(i => $"{l.SubjectId}:{i.ItemId}:{BitConverter.SingleToInt32Bits(i.Score)}")).ToArray();
}
