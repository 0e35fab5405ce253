using System.Text.Json;
using System.Text.Json.Serialization;
using Serverless.Recommendations.Publishing;

namespace Serverless.Recommendations.Rules;

/// <summary>An item a service always shows at a fixed position (1 = first).</summary>
public sealed record PinnedItem(string ItemId, int Position);

/// <summary>
/// One service's business rules for its lists, applied after scoring: pinned items, excluded items
/// and categories, a per-category cap for diversity, and a minimum length with a popularity fallback
/// (which also serves cold users, who have fewer than <see cref="MinUserInteractions"/> interactions).
/// </summary>
/// <param name="Service">The service the lists are for.</param>
/// <param name="ListLength">Items per published list.</param>
/// <param name="MinListLength">Lists shorter than this after the rules are topped up with popular items; null for the list length.</param>
/// <param name="MinUserInteractions">Users with fewer interactions get the popularity list instead of the model's.</param>
/// <param name="Pinned">Items shown at fixed positions.</param>
/// <param name="ExcludedItems">Items never shown.</param>
/// <param name="ExcludedCategories">Categories never shown.</param>
/// <param name="MaxPerCategory">At most this many items of one category in a list (pinned items aside); null for no cap.</param>
/// <remarks>A positional record so JSON fills absent fields with these defaults.</remarks>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ServiceConfig(
    string Service,
    int ListLength = 10,
    int? MinListLength = null,
    int MinUserInteractions = 3,
    IReadOnlyList<PinnedItem>? Pinned = null,
    IReadOnlyList<string>? ExcludedItems = null,
    IReadOnlyList<string>? ExcludedCategories = null,
    int? MaxPerCategory = null)
{
    public IReadOnlyList<PinnedItem> Pinned { get; init; } = Pinned ?? [];
    public IReadOnlyList<string> ExcludedItems { get; init; } = ExcludedItems ?? [];
    public IReadOnlyList<string> ExcludedCategories { get; init; } = ExcludedCategories ?? [];

    /// <summary>The minimum list length in effect.</summary>
    [JsonIgnore]
    public int MinimumLength => MinListLength ?? ListLength;

    /// <summary>How many model candidates to score per subject so the rules still fill a list.</summary>
    [JsonIgnore]
    public int CandidateDepth => 3 * ListLength + Pinned.Count + ExcludedItems.Count;

    /// <summary>Reads a config from JSON; errors name the source, line and field.</summary>
    public static ServiceConfig Load(Stream json, string source)
    {
        ServiceConfig? config;
        try
        {
            config = JsonSerializer.Deserialize(json, RecommendationsJsonContext.Default.ServiceConfig);
        }
        catch (JsonException e)
        {
            throw new ServiceConfigException(source, e.Path ?? "(document)", [],
                $"line {(e.LineNumber ?? 0) + 1}: {e.Message}");
        }
        if (config is null) throw new ServiceConfigException(source, "(document)", [], "the document is null");
        config.Validate(source);
        return config;
    }

    /// <summary>Checks the config on its own (ids against the data are checked by <see cref="ListRules.Create"/>).</summary>
    public void Validate(string source)
    {
        if (string.IsNullOrWhiteSpace(Service)) throw new ServiceConfigException(source, "service", [], "the service name is empty");
        if (ListLength < 1) throw new ServiceConfigException(source, "listLength", [], $"must be at least 1, got {ListLength}");
        if (MinimumLength < 0 || MinimumLength > ListLength)
        {
            throw new ServiceConfigException(source, "minListLength", [], $"must be within 0..{ListLength} (the list length), got {MinListLength}");
        }
        if (MinUserInteractions < 0) throw new ServiceConfigException(source, "minUserInteractions", [], $"cannot be negative, got {MinUserInteractions}");
        if (MaxPerCategory is < 1) throw new ServiceConfigException(source, "maxPerCategory", [], $"must be at least 1 when set, got {MaxPerCategory}");

        var badPositions = Pinned.Where(p => p.Position < 1 || p.Position > ListLength).Select(p => p.ItemId).ToArray();
        if (badPositions.Length > 0)
        {
            throw new ServiceConfigException(source, "pinned", badPositions, $"positions must be within 1..{ListLength}");
        }
        var samePosition = Pinned.GroupBy(p => p.Position).Where(g => g.Count() > 1).SelectMany(g => g.Select(p => p.ItemId)).ToArray();
        if (samePosition.Length > 0) throw new ServiceConfigException(source, "pinned", samePosition, "two pinned items share a position");
        var pinnedTwice = Pinned.GroupBy(p => p.ItemId, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
        if (pinnedTwice.Length > 0) throw new ServiceConfigException(source, "pinned", pinnedTwice, "an item is pinned twice");
        var pinnedAndExcluded = Pinned.Select(p => p.ItemId).Intersect(ExcludedItems, StringComparer.Ordinal).ToArray();
        if (pinnedAndExcluded.Length > 0) throw new ServiceConfigException(source, "pinned", pinnedAndExcluded, "an item is both pinned and excluded");
    }
}

/// <summary>A service config that cannot be used: names the config, the field and the offending items.</summary>
public sealed class ServiceConfigException : Exception
{
    public ServiceConfigException(string config, string field, IReadOnlyList<string> items, string message)
        : base($"Service config '{config}', field '{field}': {message}" + (items.Count > 0 ? $" ({string.Join(", ", items)})" : ""))
    {
        Config = config;
        Field = field;
        Items = items;
    }

    public string Config { get; }
    public string Field { get; }
    public IReadOnlyList<string> Items { get; }
}
