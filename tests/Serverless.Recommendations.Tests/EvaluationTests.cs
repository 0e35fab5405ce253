using Serverless.Recommendations.Data;
using Serverless.Recommendations.Evaluation;
using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.Factorization.Cpu;
using Serverless.Recommendations.Scoring;

namespace Serverless.Recommendations.Tests;

public class EvaluationTests
{
    [Fact]
    public void Metrics_match_a_hand_computed_example()
    {
        var metrics = new MetricAccumulator(k: 3, catalogueSize: 10);
        metrics.Add([1, 5, 2], [2, 7]);
        metrics.Add([4, 3], [4]);
        metrics.Add([9], []); // users without test items do not count

        var result = metrics.Result();

        Assert.Equal(2, result.Users);
        Assert.Equal(1.0 / 3, result.Precision, 9);
        Assert.Equal(0.75, result.Recall, 9);
        Assert.Equal((0.5 / (1 + 1 / Math.Log2(3)) + 1) / 2, result.Ndcg, 9);
        Assert.Equal((1.0 / 3 / 2 + 1) / 2, result.Map, 9);
        Assert.Equal(0.5, result.Coverage, 9);
    }

    [Fact]
    public void An_item_listed_twice_is_one_hit_in_every_metric()
    {
        var once = new MetricAccumulator(k: 4, catalogueSize: 10);
        once.Add([2, 5, 7, 8], [2, 3]);
        var twice = new MetricAccumulator(k: 4, catalogueSize: 10);
        twice.Add([2, 2, 7, 8], [2, 3]);

        var a = once.Result();
        var b = twice.Result();
        Assert.Equal(0.25, b.Precision, 9);
        Assert.Equal(0.5, b.Recall, 9);
        Assert.Equal(a.Ndcg, b.Ndcg, 9);
        Assert.Equal(a.Map, b.Map, 9);
        Assert.True(b.Recall <= 1 && b.Precision <= 1 && b.Ndcg <= 1);
    }

    [Fact]
    public void The_random_split_holds_out_a_quarter_of_each_users_interactions_deterministically()
    {
        var data = TestData.SmallDataset;
        var split = DataSplitter.RandomHoldout(data, 0.25, seed: 7);
        var again = DataSplitter.RandomHoldout(data, 0.25, seed: 7);
        var other = DataSplitter.RandomHoldout(data, 0.25, seed: 8);

        Assert.Equal("random-25%", split.Name);
        Assert.Equal(data.Count, split.Train.Count + split.Test.Count);
        Assert.Equal(split.Test.Hash, again.Test.Hash);
        Assert.NotEqual(split.Test.Hash, other.Test.Hash);
        var total = Counts(data.UserIndex);
        var held = Counts(split.Test.UserIndex);
        foreach (var (user, n) in total)
        {
            var expected = n < 2 ? 0 : Math.Clamp((int)Math.Round(n * 0.25, MidpointRounding.AwayFromZero), 1, n - 1);
            Assert.Equal(expected, held.GetValueOrDefault(user));
        }
    }

    [Fact]
    public void The_time_split_holds_out_each_users_latest_interactions()
    {
        var data = TestData.SmallDataset;
        var split = DataSplitter.TimeHoldout(data, 0.25);

        var latestTrain = new Dictionary<int, long>();
        for (var i = 0; i < split.Train.Count; i++)
        {
            latestTrain[split.Train.UserIndex[i]] = Math.Max(latestTrain.GetValueOrDefault(split.Train.UserIndex[i], long.MinValue), split.Train.Timestamps[i]);
        }
        for (var i = 0; i < split.Test.Count; i++) Assert.True(split.Test.Timestamps[i] >= latestTrain[split.Test.UserIndex[i]]);

        var cut = TestData.SmallOptions.Start.AddDays(80);
        var byDate = DataSplitter.TimeCut(data, cut);
        Assert.All(Enumerable.Range(0, byDate.Test.Count), i => Assert.True(byDate.Test.Timestamps[i] >= cut.ToUnixTimeMilliseconds()));
        Assert.Equal(data.Count, byDate.Train.Count + byDate.Test.Count);
    }

    [Fact]
    public void The_gate_refuses_a_model_worse_than_the_lists_in_service_beyond_the_tolerance()
    {
        var worse = PublishGate.Decide(Report(model: 0.28, popularity: 0.2, service: 0.31), new GateOptions { Tolerance = 0.05 });
        var within = PublishGate.Decide(Report(model: 0.30, popularity: 0.2, service: 0.31), new GateOptions { Tolerance = 0.05 });
        var better = PublishGate.Decide(Report(model: 0.35, popularity: 0.2, service: 0.31));

        Assert.False(worse.Publish);
        Assert.Contains("worse than the lists in service", worse.Reason);
        Assert.Contains("0.2800 vs 0.3100", worse.Reason);
        Assert.True(within.Publish);
        Assert.True(better.Publish);
        Assert.StartsWith("Published", better.Reason);
    }

    [Fact]
    public void Without_lists_in_service_the_gate_requires_beating_popularity()
    {
        Assert.True(PublishGate.Decide(Report(0.3, 0.2, null)).Publish);
        var refused = PublishGate.Decide(Report(0.19, 0.2, null));
        Assert.False(refused.Publish);
        Assert.Contains("popularity", refused.Reason);
    }

    [Fact]
    public void A_weaker_model_is_not_published_over_better_lists_in_service_and_an_equal_one_is()
    {
        var data = TestData.SmallDataset;
        var good = new AlsOptions { Factors = 16, Iterations = 8, Regularization = 20f };
        using var backend = new CpuAlsBackend();

        // Last week's lists: the good model's top 10 on the same training part the evaluator uses.
        var split = DataSplitter.RandomHoldout(data, 0.25, seed: 7);
        var train = split.Train.ToUserItemMatrix();
        var model = new AlsModel(good, split.Train.Hash, data.Users, data.Items, AlsFactorizer.Factorize(train, good, backend), train);
        var inService = UserRecommender.Recommend(model, new Shard(0, 0, data.Users.Count), 10)
            .ToDictionary(l => l.SubjectId, l => (IReadOnlyList<string>)l.Items.Select(i => i.ItemId).ToArray());
        var options = new EvaluationOptions { IncludeTimeSplit = false };

        var weak = RecommendationEvaluator.EvaluateAndGate(data, good with { Factors = 1, Iterations = 1 }, inService, options, backend: backend);
        var same = RecommendationEvaluator.EvaluateAndGate(data, good, inService, options, backend: backend);

        Assert.False(weak.Decision.Publish, weak.Decision.Reason);
        Assert.True(weak.Decision.ModelNdcg < weak.Decision.InServiceNdcg);
        Assert.True(same.Decision.Publish, same.Decision.Reason);
        Assert.Equal(same.Report.Primary.InService!.Ndcg, same.Report.Primary.Model.Ndcg, 9);
        Assert.Equal(data.Users.Count, same.Report.Primary.InServiceUsersWithList);
    }

    [Fact]
    public void The_report_has_both_views_and_flat_metrics_for_the_manifest()
    {
        using var backend = new CpuAlsBackend();
        var report = RecommendationEvaluator.Evaluate(TestData.SmallDataset, new AlsOptions { Factors = 8, Iterations = 3 }, backend: backend);

        Assert.Equal(["random-25%", "time-last-25%"], report.Splits.Select(s => s.Split));
        var metrics = report.ToMetrics().ToDictionary();
        Assert.Equal(report.Primary.Model.Ndcg, metrics["random-25%.model.ndcg@10"]);
        Assert.True(metrics.ContainsKey("time-last-25%.popularity.map@10"));
        Assert.DoesNotContain(metrics.Keys, k => k.Contains("in-service"));
    }

    [Fact]
    public void On_the_built_in_data_default_als_beats_popularity_by_more_than_30_percent()
    {
        var data = SyntheticInteractions.Generate(SyntheticDataOptions.Default).ToDataset();
        using var backend = new CpuAlsBackend();

        var report = RecommendationEvaluator.Evaluate(data, AlsOptions.Default, options: new EvaluationOptions { IncludeTimeSplit = false }, backend: backend);

        var split = report.Primary;
        Assert.True(split.Model.Ndcg >= 1.3 * split.Popularity.Ndcg, $"NDCG@10 {split.Model.Ndcg:F4} vs popularity {split.Popularity.Ndcg:F4}");
        Assert.True(split.Model.Coverage > split.Popularity.Coverage);
    }

    private static Dictionary<int, int> Counts(ReadOnlySpan<int> users)
    {
        var counts = new Dictionary<int, int>();
        foreach (var u in users) counts[u] = counts.GetValueOrDefault(u) + 1;
        return counts;
    }

    private static EvaluationReport Report(double model, double popularity, double? service)
    {
        MetricSet Set(double ndcg) => new(10, 100, 0, 0, ndcg, 0, 0);
        return new EvaluationReport("als-x", "hash", AlsOptions.Default,
            [new SplitEvaluation("random-25%", 750, 250, Set(model), Set(popularity), service is null ? null : Set(service.Value), service is null ? 0 : 100)]);
    }
}
