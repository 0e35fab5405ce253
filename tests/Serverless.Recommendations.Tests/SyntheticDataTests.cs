using Serverless.Recommendations.Data;

namespace Serverless.Recommendations.Tests;

public class SyntheticDataTests
{
    [Fact]
    public void The_same_seed_gives_the_same_log_and_another_seed_does_not()
    {
        var a = SyntheticInteractions.Generate(TestData.SmallOptions);
        var b = SyntheticInteractions.Generate(TestData.SmallOptions);
        var c = SyntheticInteractions.Generate(TestData.SmallOptions with { Seed = 12 });

        Assert.Equal(a.Events, b.Events);
        Assert.Equal(a.ToDataset().Hash, b.ToDataset().Hash);
        Assert.NotEqual(a.ToDataset().Hash, c.ToDataset().Hash);
    }

    [Fact]
    public void Writing_and_importing_the_log_gives_the_same_dataset()
    {
        var data = TestData.Small;
        var text = new StringWriter();
        data.WriteInteractionsCsv(text);

        var imported = InteractionCsv.Import(new StringReader(text.ToString()), "synthetic.csv");

        Assert.Empty(imported.Quarantine);
        Assert.Equal(data.ToDataset().Hash, imported.Dataset.Hash);
        Assert.Equal(data.Events.Count - imported.Dataset.Count, imported.MergedDuplicates);
        Assert.True(imported.MergedDuplicates > 0, "repeat events should produce duplicates to merge");
    }

    [Fact]
    public void Popularity_is_heavy_tailed_and_new_items_have_few_interactions()
    {
        var data = TestData.Small;
        var perItem = data.Events.GroupBy(e => e.Item).ToDictionary(g => g.Key, g => g.Count());
        var sorted = perItem.Values.OrderByDescending(c => c).ToArray();
        var top10Percent = sorted.Take(sorted.Length / 10).Sum();
        Assert.True(top10Percent > 0.3 * data.Events.Count, $"top 10% of items hold {top10Percent} of {data.Events.Count} events");

        var end = TestData.SmallOptions.Start.AddDays(TestData.SmallOptions.Days).ToUnixTimeMilliseconds();
        var recent = end - TestData.SmallOptions.NewItemDays * 86_400_000L;
        var newItems = data.Catalog.ItemIds.Where(i => data.Catalog.TryGet(i, out var info) && info.AddedMs >= recent).ToArray();
        Assert.NotEmpty(newItems);
        var meanNew = newItems.Average(i => perItem.GetValueOrDefault(i));
        var meanAll = data.Events.Count / (double)TestData.SmallOptions.Items;
        Assert.True(meanNew < meanAll / 2, $"new items average {meanNew:F1} events, all items {meanAll:F1}");
        Assert.All(data.Events, e => Assert.True(data.Catalog.TryGet(e.Item, out var info) && e.TimestampMs >= info.AddedMs!.Value));
    }

    [Fact]
    public void Users_of_one_taste_cluster_share_categories()
    {
        var data = TestData.Small;
        var catalog = data.Catalog;
        // The most common category of a cluster's events covers far more than a uniform share.
        foreach (var cluster in Enumerable.Range(0, TestData.SmallOptions.TasteClusters))
        {
            var events = data.Events.Where(e => data.UserClusters[int.Parse(e.User[1..], System.Globalization.CultureInfo.InvariantCulture)] == cluster).ToArray();
            var top = events.GroupBy(e => catalog.CategoryOf(e.Item)).Max(g => g.Count());
            Assert.True(top > 2.0 * events.Length / TestData.SmallOptions.Categories, $"cluster {cluster}: top category {top} of {events.Length}");
        }
    }
}
