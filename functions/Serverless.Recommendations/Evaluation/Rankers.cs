using Serverless.Recommendations.Data;
using Serverless.Recommendations.Models;
using Scoring = Serverless.Recommendations.Scoring;

namespace Serverless.Recommendations.Evaluation;

/// <summary>
/// Something that ranks items for the test users of a split: a list of the split's item indices per user,
/// best first (-1 for an item the split's data does not know: it keeps its place but never hits).
/// </summary>
internal interface IUserRanker
{
    int[][] Rank(IReadOnlyList<int> users, int k);
}

/// <summary>Items by how many users have them in the training part, skipping what the user has there.</summary>
internal sealed class PopularityRanker(CsrMatrix train) : IUserRanker
{
    private readonly int[] _order = Scoring.PopularityOrder.Of(train.ColumnCounts());

    public int[][] Rank(IReadOnlyList<int> users, int k) => users.Select(u => FirstUnseen(_order, train.RowColumns(u), k)).ToArray();

    /// <summary>The first K candidates the user does not have.</summary>
    internal static int[] FirstUnseen(IReadOnlyList<int> candidates, ReadOnlySpan<int> seen, int k)
    {
        var output = new List<int>(k);
        for (var i = 0; i < candidates.Count && output.Count < k; i++)
        {
            var item = candidates[i];
            if (item >= 0 && seen.BinarySearch(item) >= 0) continue;
            output.Add(item);
        }
        return output.ToArray();
    }
}

/// <summary>
/// A model fitted to the split's training part (same id maps). A user with nothing in that part gets the
/// popularity list of that part, as the published lists give users the model has not seen.
/// </summary>
internal sealed class FittedModelRanker(RecommendationModel model) : IUserRanker
{
    public int[][] Rank(IReadOnlyList<int> users, int k)
    {
        var lists = new int[users.Count][];
        var known = new List<int>();
        var knownAt = new List<int>();
        for (var i = 0; i < users.Count; i++)
        {
            if (model.Interactions.RowLength(users[i]) > 0)
            {
                known.Add(users[i]);
                knownAt.Add(i);
            }
        }
        var ranked = model.RankItemsForUsers(known, k, -1);
        for (var j = 0; j < known.Count; j++) lists[knownAt[j]] = ranked[j].Items;
        var popular = new PopularityRanker(model.Interactions);
        for (var i = 0; i < users.Count; i++) lists[i] ??= popular.Rank([users[i]], k)[0];
        return lists;
    }
}

/// <summary>
/// The archived model in service, over its own id maps: users are looked up by id; a user it does not know
/// (or knows without interactions) gets its popularity list; its items are mapped back to the split's
/// (unknown ones become -1). Counts the users it did not know.
/// </summary>
internal sealed class ChampionRanker(RecommendationModel champion, IdMap users, IdMap items) : IUserRanker
{
    public int UnknownUsers { get; private set; }

    public int[][] Rank(IReadOnlyList<int> testUsers, int k)
    {
        var itemMap = new int[champion.Items.Count];
        for (var i = 0; i < itemMap.Length; i++) itemMap[i] = items.IndexOf(champion.Items[i]);
        var popular = Scoring.PopularityOrder.Of(champion.ItemPopularity);
        var popularList = popular.Take(k).Select(i => itemMap[i]).ToArray();

        var lists = new int[testUsers.Count][];
        var known = new List<int>();
        var knownAt = new List<int>();
        UnknownUsers = 0;
        for (var i = 0; i < testUsers.Count; i++)
        {
            var user = champion.Users.IndexOf(users[testUsers[i]]);
            if (user >= 0 && champion.Interactions.RowLength(user) > 0)
            {
                known.Add(user);
                knownAt.Add(i);
            }
            else
            {
                UnknownUsers++;
                lists[i] = popularList;
            }
        }
        var ranked = champion.RankItemsForUsers(known, k, -1);
        for (var j = 0; j < known.Count; j++) lists[knownAt[j]] = ranked[j].Items.Select(i => itemMap[i]).ToArray();
        return lists;
    }
}
