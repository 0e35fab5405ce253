using Serverless.Recommendations.Data;
using Serverless.Recommendations.Evaluation;
using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.Factorization.Cpu;
using Serverless.Recommendations.Models;

namespace Serverless.Recommendations.Tests;

public class ChampionChallengerTests
{
    private static readonly AlsOptions Good = new() { Factors = 16, Iterations = 8, Regularization = 20f };

    /// <summary>The log up to a day of the period, imported as a service would have seen it then.</summary>
    private static InteractionDataset Until(int day)
    {
        var cut = TestData.SmallOptions.Start.AddDays(day).ToUnixTimeMilliseconds();
        var builder = new InteractionDatasetBuilder(withTimestamps: true);
        foreach (var e in TestData.Small.Events.Where(e => e.TimestampMs < cut)) builder.Add(e.User, e.Item, e.Weight, e.TimestampMs);
        return builder.Build();
    }

    [Fact]
    public void The_champion_split_holds_what_arrived_after_its_data_ended_and_nothing_it_was_trained_on()
    {
        var before = Until(70);
        var champion = ModelTrainer.Train(before, ModelRecipe.ForAls(Good with { Iterations = 2 })).Model;
        var now = TestData.SmallDataset;

        var split = GateSplits.AfterChampion(now, champion, before.DataEndUtc);

        Assert.StartsWith("after-", split.Name);
        Assert.Equal(now.Count, split.Train.Count + split.Test.Count);
        var end = before.DataEndUtc!.Value.ToUnixTimeMilliseconds();
        for (var i = 0; i < split.Test.Count; i++)
        {
            Assert.True(split.Test.Timestamps[i] > end);
            var user = champion.Users.IndexOf(now.Users[split.Test.UserIndex[i]]);
            var item = champion.Items.IndexOf(now.Items[split.Test.ItemIndex[i]]);
            Assert.True(user < 0 || item < 0 || champion.Interactions.RowColumns(user).BinarySearch(item) < 0);
        }
        Assert.True(split.TestUsers > 100);
    }

    [Fact]
    public void A_worse_candidate_is_refused_against_a_stronger_champion_on_a_time_cut()
    {
        var before = Until(70);
        var now = TestData.SmallDataset;
        var champion = ModelTrainer.Train(before, ModelRecipe.ForAls(Good)).Model;
        var split = GateSplits.AfterChampion(now, champion, before.DataEndUtc);
        using var backend = new CpuAlsBackend();
        // Deliberately worse: fewer factors and a lambda far too large for this data.
        var worse = ModelRecipe.ForAls(Good with { Factors = 2, Regularization = 400f });
        var candidate = ModelTrainer.Fit(split.Train, worse, backend);
        var defaults = ModelTrainer.Fit(split.Train, ModelRecipe.ForAls(Good), backend);

        var report = ChampionChallengerEvaluator.Evaluate(split, "after the champion", candidate, worse.VersionFor(now.Hash), defaults, champion, "v1", 10);
        var decision = PublishGate.Decide(report, GateOptions.Default, candidateIsChampion: false);

        Assert.False(decision.Publish, decision.Reason);
        Assert.Contains("worse than the model in service", decision.Reason);
        Assert.True(report.Champion!.Metrics.Ndcg > report.Candidate.Metrics.Ndcg * 1.1, $"{report.Champion.Metrics.Ndcg} vs {report.Candidate.Metrics.Ndcg}");
        Assert.Equal(report.TestUsers, report.Candidate.Metrics.Users);
        Assert.Equal(report.TestUsers, report.Champion.Metrics.Users);
        Assert.Equal("champion", report.Baseline);

        // The same recipe as the champion, on the same data before the cut, is the champion again: it passes.
        var same = ModelTrainer.Fit(split.Train, ModelRecipe.ForAls(Good), backend);
        var tie = ChampionChallengerEvaluator.Evaluate(split, "after the champion", same, "v2", null, champion, "v1", 10);
        Assert.True(PublishGate.Decide(tie, GateOptions.Default, false).Publish);
    }

    [Fact]
    public void Users_the_champion_never_saw_get_its_popularity_list()
    {
        var now = TestData.SmallDataset;
        // A champion trained on the first half of the users only.
        var half = now.Subset(Enumerable.Range(0, now.Count).Where(i => now.UserIndex[i] < now.Users.Count / 2).ToArray());
        var partial = new InteractionDatasetBuilder(withTimestamps: true);
        for (var i = 0; i < half.Count; i++) partial.Add(now.Users[half.UserIndex[i]], now.Items[half.ItemIndex[i]], half.Weights[i], half.Timestamps[i]);
        var championData = partial.Build();
        var champion = ModelTrainer.Train(championData, ModelRecipe.ForAls(Good with { Iterations = 3 })).Model;
        var split = GateSplits.AfterChampion(now, champion, championDataEnd: null);
        using var backend = new CpuAlsBackend();

        var report = ChampionChallengerEvaluator.Evaluate(split, "new pairs", ModelTrainer.Fit(split.Train, ModelRecipe.ForAls(Good with { Iterations = 3 }), backend),
            "v2", null, champion, "v1", 10);

        Assert.Equal("new-pairs", split.Name);
        Assert.Equal(now.Users.Count - championData.Users.Count, report.ChampionUnknownUsers);
        Assert.True(report.Champion!.Metrics.Ndcg > 0);
    }

    [Fact]
    public void Without_a_champion_the_gate_compares_with_popularity_and_says_so()
    {
        var data = TestData.SmallDataset;
        var split = GateSplits.Holdout(data, EvaluationOptions.Default);
        using var backend = new CpuAlsBackend();
        var report = ChampionChallengerEvaluator.Evaluate(split, "no model in service", ModelTrainer.Fit(split.Train, ModelRecipe.ForAls(Good), backend),
            "v1", null, null, null, 10);

        var decision = PublishGate.Decide(report, GateOptions.Default, candidateIsChampion: false);

        Assert.Equal("latest-25%", split.Name);
        Assert.Equal("popularity", report.Baseline);
        Assert.True(decision.Publish, decision.Reason);
        Assert.StartsWith("Published: compared with popularity (no model in service)", decision.Reason);
        Assert.Null(decision.InServiceNdcg);
        Assert.Equal(report.Candidate.Metrics, report.Defaults!.Metrics);
    }

    [Fact]
    public void With_too_few_new_users_only_the_model_in_service_itself_is_published()
    {
        MetricSet Set(double ndcg, int users) => new(10, users, 0, 0, ndcg, 0, 0);
        var report = new ChampionChallengerReport("after-x", "after the champion", 1000, 3, 2,
            new ContenderFigures("candidate", "v2", "ALS", Set(0.5, 2)), null, new ContenderFigures("popularity", null, "", Set(0.1, 2)),
            new ContenderFigures("champion", "v1", "ALS", Set(0.2, 2)), 0);

        var different = PublishGate.Decide(report, GateOptions.Default, candidateIsChampion: false);
        var same = PublishGate.Decide(report, GateOptions.Default, candidateIsChampion: true);

        Assert.False(different.Publish);
        Assert.Contains("only 2 users have interactions that arrived after the model in service", different.Reason);
        Assert.True(same.Publish, same.Reason);
        Assert.Contains("is the model in service", same.Reason);
    }
}
