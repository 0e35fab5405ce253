using Serverless.Recommendations.Models;

namespace Serverless.Recommendations.Evaluation;

/// <summary>
/// Measures contenders on one split with one protocol: for each user with test interactions, each contender's
/// first K items (it skips what it was trained on), binary relevance, duplicates counted once.
/// </summary>
public static class ChampionChallengerEvaluator
{
    /// <param name="split">The gate's split.</param>
    /// <param name="basis">How the split was made and what is compared, in words (goes into the report).</param>
    /// <param name="candidate">The candidate recipe fitted to <c>split.Train</c>.</param>
    /// <param name="candidateVersion">The version of the model that would be published (the recipe on all data).</param>
    /// <param name="defaults">The service's configured parameters fitted to <c>split.Train</c>; null when they are the candidate.</param>
    /// <param name="champion">The archived model in service, as it was trained; null to compare with popularity.</param>
    public static ChampionChallengerReport Evaluate(DataSplit split, string basis, RecommendationModel candidate, string candidateVersion,
        RecommendationModel? defaults, RecommendationModel? champion, string? championVersion, int k)
    {
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var test = split.Test.ToUserItemMatrix();
        var users = TestUsers(test);
        var catalogue = split.Train.Items.Count;

        var candidateSet = Measure(new FittedModelRanker(candidate), users, test, k, catalogue);
        var popularity = Measure(new PopularityRanker(candidate.Interactions), users, test, k, catalogue);
        var defaultsSet = defaults is null ? candidateSet : Measure(new FittedModelRanker(defaults), users, test, k, catalogue);
        ContenderFigures? championFigures = null;
        var unknown = 0;
        if (champion is not null)
        {
            var ranker = new ChampionRanker(champion, split.Train.Users, split.Train.Items);
            championFigures = new ContenderFigures("champion", championVersion ?? champion.Version, champion.Recipe.Describe(), Measure(ranker, users, test, k, catalogue));
            unknown = ranker.UnknownUsers;
        }

        return new ChampionChallengerReport(split.Name, basis, split.Train.Count, split.Test.Count, users.Length,
            new ContenderFigures("candidate", candidateVersion, candidate.Recipe.Describe(), candidateSet),
            new ContenderFigures("defaults", null, (defaults ?? candidate).Recipe.Describe(), defaultsSet),
            new ContenderFigures("popularity", null, "items by how many users have them", popularity),
            championFigures, unknown);
    }

    /// <summary>A model fitted to the split's training part, measured on its test part (one search trial).</summary>
    public static MetricSet Measure(DataSplit split, RecommendationModel fitted, int k)
    {
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(fitted);
        var test = split.Test.ToUserItemMatrix();
        return Measure(new FittedModelRanker(fitted), TestUsers(test), test, k, split.Train.Items.Count);
    }

    private static MetricSet Measure(IUserRanker ranker, int[] users, Data.CsrMatrix test, int k, int catalogue)
    {
        var metrics = new MetricAccumulator(k, catalogue);
        var lists = ranker.Rank(users, k);
        for (var i = 0; i < users.Length; i++) metrics.Add(lists[i], test.RowColumns(users[i]));
        return metrics.Result();
    }

    private static int[] TestUsers(Data.CsrMatrix test) => Enumerable.Range(0, test.Rows).Where(u => test.RowLength(u) > 0).ToArray();
}
