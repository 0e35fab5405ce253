using Serverless.Recommendations.Data;

namespace Serverless.Recommendations.Evaluation;

/// <summary>A train/test split over the same id maps (so dense indices agree).</summary>
public sealed record DataSplit(string Name, InteractionDataset Train, InteractionDataset Test);

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
