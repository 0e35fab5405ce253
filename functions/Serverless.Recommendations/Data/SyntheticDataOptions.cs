namespace Serverless.Recommendations.Data;

/// <summary>
/// Shape of the built-in synthetic interaction log. The defaults are "the built-in data" the
/// quality figures refer to; <see cref="BenchmarkScale"/> is the size the training benchmark uses.
/// </summary>
public sealed record SyntheticDataOptions
{
    public int Users { get; init; } = 3000;
    public int Items { get; init; } = 1500;

    /// <summary>Events to generate (before duplicate (user, item) events are merged on import).</summary>
    public int Interactions { get; init; } = 150_000;

    public int Categories { get; init; } = 20;

    /// <summary>Latent user groups; each prefers a few categories and its own items within them.</summary>
    public int TasteClusters { get; init; } = 12;

    public int PreferredCategoriesPerCluster { get; init; } = 3;

    /// <summary>Share of events drawn from the user's cluster preferences (the rest follow global popularity).</summary>
    public double TasteAffinity { get; init; } = 0.8;

    /// <summary>Spread (log-normal sigma) of each cluster's liking for individual items.</summary>
    public double ClusterItemSpread { get; init; } = 1.0;

    /// <summary>Zipf exponent of item popularity (power law).</summary>
    public double PopularityExponent { get; init; } = 0.9;

    /// <summary>Spread (log-normal sigma) of how active users are.</summary>
    public double ActivitySpread { get; init; } = 0.8;

    /// <summary>Share of events that repeat an item the user already has (merged as duplicates on import).</summary>
    public double RepeatRate { get; init; } = 0.1;

    /// <summary>Share of items added during the last <see cref="NewItemDays"/> days, so with few interactions.</summary>
    public double NewItemFraction { get; init; } = 0.05;

    public int NewItemDays { get; init; } = 14;

    public DateTimeOffset Start { get; init; } = new(2025, 1, 6, 0, 0, 0, TimeSpan.Zero);
    public int Days { get; init; } = 91;

    /// <summary>Share of first-time events that are applications (weight <see cref="ApplicationWeight"/>) rather than views.</summary>
    public double ApplicationRate { get; init; } = 0.1;

    public float ViewWeight { get; init; } = 1f;
    public float ApplicationWeight { get; init; } = 5f;

    public ulong Seed { get; init; } = 20250106;

    /// <summary>The built-in data set.</summary>
    public static SyntheticDataOptions Default { get; } = new();

    /// <summary>About 1,000,000 distinct interactions over 6,000 users and 4,000 items.</summary>
    public static SyntheticDataOptions BenchmarkScale { get; } = new()
    {
        Users = 6000, Items = 4000, Interactions = 1_000_000, Categories = 40, TasteClusters = 24, RepeatRate = 0,
    };

    internal void Validate()
    {
        if (Users < 1 || Items < 2 || Interactions < Users) throw new ArgumentException("Need at least one user, two items and one interaction per user.");
        if (Categories < 1 || Categories > Items) throw new ArgumentException("Categories must be between 1 and the number of items.");
        if (TasteClusters < 1 || PreferredCategoriesPerCluster < 1 || PreferredCategoriesPerCluster > Categories)
        {
            throw new ArgumentException("Taste clusters need at least one preferred category each, and no more than there are categories.");
        }
        if (Days < 1 || NewItemDays < 1 || NewItemDays > Days) throw new ArgumentException("Days and new-item days must be positive, new-item days within the period.");
        foreach (var (name, value) in new[] { ("TasteAffinity", TasteAffinity), ("RepeatRate", RepeatRate), ("NewItemFraction", NewItemFraction), ("ApplicationRate", ApplicationRate) })
        {
            if (value is < 0 or > 1) throw new ArgumentException($"{name} must be within [0, 1], got {value}.");
        }
    }
}
