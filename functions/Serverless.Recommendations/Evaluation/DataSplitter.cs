using Serverless.Recommendations.Data;
using Serverless.Recommendations.Models;

namespace Serverless.Recommendations.Evaluation;

/// <summary>A train/test split over the same id maps (so dense indices agree).</summary>
public sealed record DataSplit(string Name, InteractionDataset Train, InteractionDataset Test)
{
    /// <summary>Users with at least one test interaction.</summary>
    public int TestUsers => CountUsers(Test);

    private static int CountUsers(InteractionDataset data)
    {
        var users = data.UserIndex;
        var count = 0;
        for (var i = 0; i < users.Length; i++)
        {
            if (i == 0 || users[i] != users[i - 1]) count++;
        }
        return count;
    }
}

/// <summary>
/// Held-out splits for offline evaluation. Per-user splits hold out a share of each user's
/// interactions (at least one, never all); users with a single interaction stay in training only.
/// </summary>
public static class DataSplitter
{
    /// <summary>A random share of each user's interactions, chosen by a per-user seeded shuffle.</summary>
    public static DataSplit RandomHoldout(InteractionDataset data, double fraction = 0.25, ulong seed = 7)
    {
        CheckFraction(fraction);
        return PerUser(data, $"random-{Percent(fraction)}", fraction, (user, positions) =>
            DeterministicRandom.ForStream(seed, (ulong)user).Shuffle(positions));
    }

    /// <summary>The latest share of each user's interactions by timestamp.</summary>
    public static DataSplit TimeHoldout(InteractionDataset data, double fraction = 0.25)
    {
        CheckFraction(fraction);
        RequireTimestamps(data);
        var timestamps = data.Timestamps.ToArray();
        var items = data.ItemIndex.ToArray();
        // Newest first, so the held-out prefix is each user's latest interactions.
        return PerUser(data, $"time-last-{Percent(fraction)}", fraction, (_, positions) =>
            positions.Sort((a, b) => timestamps[a] != timestamps[b] ? timestamps[b].CompareTo(timestamps[a]) : items[b].CompareTo(items[a])));
    }

    /// <summary>Everything at or after a cut date is test; earlier interactions are training.</summary>
    public static DataSplit TimeCut(InteractionDataset data, DateTimeOffset cut)
    {
        RequireTimestamps(data);
        var cutMs = cut.ToUnixTimeMilliseconds();
        var train = new List<int>();
        var test = new List<int>();
        for (var i = 0; i < data.Count; i++) (data.Timestamps[i] < cutMs ? train : test).Add(i);
        return new DataSplit($"time-cut-{cut:yyyy-MM-dd}", data.Subset(train), data.Subset(test));
    }

    /// <summary>
    /// The latest share of all interactions by time, one cut for everybody: interactions at or after the
    /// timestamp below which <c>1 - fraction</c> of them lie are test. Named <c>latest-25%</c> and so on.
    /// </summary>
    public static DataSplit LatestShare(InteractionDataset data, double fraction = 0.25)
    {
        CheckFraction(fraction);
        RequireTimestamps(data);
        if (data.Count == 0) return new DataSplit($"latest-{Percent(fraction)}", data, data);
        var sorted = data.Timestamps.ToArray();
        Array.Sort(sorted);
        var cutMs = sorted[Math.Clamp((int)Math.Floor(sorted.Length * (1 - fraction)), 0, sorted.Length - 1)];
        return FromPredicate(data, $"latest-{Percent(fraction)}", i => data.Timestamps[i] >= cutMs);
    }

    /// <summary>
    /// What arrived after a model was trained: interactions later than <paramref name="modelDataEnd"/> (every
    /// interaction when there is no time to compare) whose (user, item) pair the model was not trained on. The
    /// rest is training. A pair the model had that came back later is training, not test: the model would never
    /// recommend what a user already has, so it could not be judged on it.
    /// </summary>
    public static DataSplit AfterModel(InteractionDataset data, RecommendationModel model, DateTimeOffset? modelDataEnd)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(model);
        var useTime = modelDataEnd is not null && data.HasTimestamps;
        var endMs = modelDataEnd?.ToUnixTimeMilliseconds() ?? long.MaxValue;
        var userMap = MapIds(data.Users, model.Users);
        var itemMap = MapIds(data.Items, model.Items);
        var name = useTime ? $"after-{modelDataEnd!.Value.UtcDateTime:yyyy-MM-ddTHH:mm}Z" : "new-pairs";
        return FromPredicate(data, name, i =>
        {
            if (useTime && data.Timestamps[i] <= endMs) return false;
            var user = userMap[data.UserIndex[i]];
            var item = itemMap[data.ItemIndex[i]];
            return user < 0 || item < 0 || model.Interactions.RowColumns(user).BinarySearch(item) < 0;
        });
    }

    /// <summary>A split from a test flag per interaction (as <see cref="SplitMask"/> stores it).</summary>
    public static DataSplit FromMask(InteractionDataset data, string name, IReadOnlyList<bool> isTest)
    {
        if (isTest.Count != data.Count) throw new ArgumentException($"The mask has {isTest.Count} flags; the data has {data.Count} interactions.", nameof(isTest));
        return FromPredicate(data, name, i => isTest[i]);
    }

    private static DataSplit FromPredicate(InteractionDataset data, string name, Func<int, bool> isTest)
    {
        var train = new List<int>(data.Count);
        var test = new List<int>();
        for (var i = 0; i < data.Count; i++) (isTest(i) ? test : train).Add(i);
        return new DataSplit(name, data.Subset(train), data.Subset(test));
    }

    private static int[] MapIds(IdMap from, IdMap to)
    {
        var map = new int[from.Count];
        for (var i = 0; i < map.Length; i++) map[i] = to.IndexOf(from[i]);
        return map;
    }

    private delegate void OrderPositions(int user, Span<int> positions);

    private static DataSplit PerUser(InteractionDataset data, string name, double fraction, OrderPositions order)
    {
        var isTest = new bool[data.Count];
        var users = data.UserIndex;
        for (var start = 0; start < data.Count;)
        {
            var end = start;
            while (end < data.Count && users[end] == users[start]) end++;
            var n = end - start;
            if (n >= 2)
            {
                var positions = Enumerable.Range(start, n).ToArray();
                order(users[start], positions);
                var held = Math.Clamp((int)Math.Round(n * fraction, MidpointRounding.AwayFromZero), 1, n - 1);
                for (var h = 0; h < held; h++) isTest[positions[h]] = true;
            }
            start = end;
        }

        var train = new List<int>(data.Count);
        var test = new List<int>(data.Count / 4);
        for (var i = 0; i < isTest.Length; i++) (isTest[i] ? test : train).Add(i);
        return new DataSplit(name, data.Subset(train), data.Subset(test));
    }

    private static string Percent(double fraction) =>
        Math.Round(fraction * 100, 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + "%";

    private static void CheckFraction(double fraction)
    {
        if (fraction is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The held-out fraction must be between 0 and 1.");
    }

    private static void RequireTimestamps(InteractionDataset data)
    {
        if (!data.HasTimestamps) throw new InvalidOperationException("A time-based split needs timestamps; this dataset has none.");
    }
}
