namespace Serverless.Recommendations.Data;

/// <summary>A generated interaction log with its item catalogue and the hidden taste cluster of each user.</summary>
public sealed class SyntheticData
{
    internal SyntheticData(SyntheticDataOptions options, RawInteraction[] events, ItemCatalog catalog, int[] userClusters)
    {
        Options = options;
        Events = events;
        Catalog = catalog;
        UserClusters = userClusters;
    }

    public SyntheticDataOptions Options { get; }
    public IReadOnlyList<RawInteraction> Events { get; }
    public ItemCatalog Catalog { get; }

    /// <summary>The latent cluster of user <c>u{index}</c> (ground truth, for tests and diagnostics).</summary>
    public IReadOnlyList<int> UserClusters { get; }

    /// <summary>The same dataset importing <see cref="WriteInteractionsCsv"/> would give.</summary>
    public InteractionDataset ToDataset()
    {
        var builder = new InteractionDatasetBuilder(withTimestamps: true);
        foreach (var e in Events) builder.Add(e.User, e.Item, e.Weight, e.TimestampMs);
        return builder.Build();
    }

    public void WriteInteractionsCsv(TextWriter writer) => InteractionCsv.Write(writer, Events, includeTimestamps: true);
}

/// <summary>
/// A seeded generator of realistic interaction logs: power-law item popularity, item categories,
/// users in latent taste clusters (each preferring a few categories and its own items there),
/// log-normal user activity, repeat events, and new items that had little time to collect interactions.
/// </summary>
public static class SyntheticInteractions
{
    private const long MsPerDay = 86_400_000L;

    public static SyntheticData Generate(SyntheticDataOptions options)
    {
        options.Validate();
        var random = new DeterministicRandom(options.Seed);
        var startMs = options.Start.ToUnixTimeMilliseconds();
        var endMs = startMs + options.Days * MsPerDay;

        var userIds = Enumerable.Range(0, options.Users).Select(u => "u" + u.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var itemIds = Enumerable.Range(0, options.Items).Select(i => "i" + i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)).ToArray();

        // Items: category (mildly skewed sizes), popularity from a shuffled Zipf rank, added date.
        var category = new int[options.Items];
        var categoryWeights = Enumerable.Range(0, options.Categories).Select(c => 1.0 / Math.Sqrt(c + 1)).ToArray();
        for (var i = 0; i < options.Items; i++) category[i] = i < options.Categories ? i : SampleIndex(random, Cumulative(categoryWeights));
        var rank = Enumerable.Range(0, options.Items).ToArray();
        random.Shuffle(rank.AsSpan());
        var addedMs = new long[options.Items];
        var available = new double[options.Items];
        var popularity = new double[options.Items];
        var isNew = new bool[options.Items];
        var shuffled = Enumerable.Range(0, options.Items).ToArray();
        random.Shuffle(shuffled.AsSpan());
        foreach (var i in shuffled[..(int)Math.Round(options.Items * options.NewItemFraction)]) isNew[i] = true;
        for (var i = 0; i < options.Items; i++)
        {
            addedMs[i] = isNew[i]
                ? endMs - (long)(random.NextDouble() * options.NewItemDays * MsPerDay) / 1000 * 1000
                : startMs - (long)(random.NextDouble() * 365 * MsPerDay) / 1000 * 1000;
            // An item can only collect interactions after it was added.
            available[i] = (endMs - Math.Max(startMs, addedMs[i])) / (double)(endMs - startMs);
            popularity[i] = Math.Pow(rank[i] + 1, -options.PopularityExponent) * available[i];
        }
        var catalog = new ItemCatalog(Enumerable.Range(0, options.Items)
            .Select(i => KeyValuePair.Create(itemIds[i], new ItemInfo("c" + category[i].ToString("D2", System.Globalization.CultureInfo.InvariantCulture), addedMs[i]))));

        // Clusters: preferred categories with falling weights, and a log-normal liking per item.
        var globalTable = Cumulative(popularity);
        var clusterCategories = new int[options.TasteClusters][];
        var clusterCategoryTable = new double[options.TasteClusters][];
        var clusterTables = new (int[] Items, double[] Table)[options.TasteClusters][];
        for (var g = 0; g < options.TasteClusters; g++)
        {
            var chosen = Enumerable.Range(0, options.Categories).ToArray();
            random.Shuffle(chosen.AsSpan());
            clusterCategories[g] = chosen[..options.PreferredCategoriesPerCluster];
            clusterCategoryTable[g] = Cumulative(Enumerable.Range(0, options.PreferredCategoriesPerCluster).Select(k => 1.0 / (k + 1)).ToArray());
            var liking = new double[options.Items];
            for (var i = 0; i < options.Items; i++) liking[i] = Math.Exp(options.ClusterItemSpread * random.NextGaussian());
            clusterTables[g] = clusterCategories[g].Select(c =>
            {
                var members = Enumerable.Range(0, options.Items).Where(i => category[i] == c).ToArray();
                return (members, Cumulative(members.Select(i => popularity[i] * liking[i]).ToArray()));
            }).ToArray();
        }

        // Users: a cluster and a log-normal share of the events (at least two each).
        var clusters = new int[options.Users];
        var activity = new double[options.Users];
        for (var u = 0; u < options.Users; u++)
        {
            clusters[u] = random.NextInt(options.TasteClusters);
            activity[u] = Math.Exp(options.ActivitySpread * random.NextGaussian());
        }
        var counts = Allocate(activity, options.Interactions, minimum: 2, maximum: Math.Max(2, options.Items / 2));

        var events = new RawInteraction[counts.Sum()];
        var next = 0;
        var seen = new HashSet<int>();
        var history = new List<int>();
        for (var u = 0; u < options.Users; u++)
        {
            seen.Clear();
            history.Clear();
            var g = clusters[u];
            for (var n = 0; n < counts[u]; n++)
            {
                int item;
                var weight = options.ViewWeight;
                if (history.Count > 0 && random.NextDouble() < options.RepeatRate)
                {
                    item = history[random.NextInt(history.Count)];
                }
                else
                {
                    item = -1;
                    for (var attempt = 0; attempt < 30 && (item < 0 || seen.Contains(item)); attempt++)
                    {
                        if (random.NextDouble() < options.TasteAffinity)
                        {
                            var (members, table) = clusterTables[g][SampleIndex(random, clusterCategoryTable[g])];
                            item = members[SampleIndex(random, table)];
                        }
                        else item = SampleIndex(random, globalTable);
                    }
                    if (random.NextDouble() < options.ApplicationRate) weight = options.ApplicationWeight;
                    if (seen.Add(item)) history.Add(item);
                }
                var from = Math.Max(startMs, addedMs[item]);
                var timestamp = from + (long)(random.NextDouble() * (endMs - from)) / 1000 * 1000;
                events[next++] = new RawInteraction(userIds[u], itemIds[item], weight, timestamp);
            }
        }
        return new SyntheticData(options, events, catalog, clusters);
    }

    private static double[] Cumulative(double[] weights)
    {
        var table = new double[weights.Length];
        var total = 0.0;
        for (var i = 0; i < weights.Length; i++)
        {
            total += weights[i];
            table[i] = total;
        }
        return table;
    }

    private static int SampleIndex(DeterministicRandom random, double[] cumulative)
    {
        var target = random.NextDouble() * cumulative[^1];
        var index = Array.BinarySearch(cumulative, target);
        index = index < 0 ? ~index : index + 1;
        return Math.Min(index, cumulative.Length - 1);
    }

    /// <summary>Splits a total over shares (largest remainder), within [minimum, maximum] each.</summary>
    private static int[] Allocate(double[] shares, int total, int minimum, int maximum)
    {
        var sum = shares.Sum();
        var counts = shares.Select(s => Math.Clamp((int)(total * s / sum), minimum, maximum)).ToArray();
        var remaining = total - counts.Sum();
        for (var u = 0; remaining != 0 && u < counts.Length * 4; u++)
        {
            var i = u % counts.Length;
            if (remaining > 0 && counts[i] < maximum) { counts[i]++; remaining--; }
            else if (remaining < 0 && counts[i] > minimum) { counts[i]--; remaining++; }
        }
        return counts;
    }
}
