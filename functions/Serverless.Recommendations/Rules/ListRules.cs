using System.Globalization;
using Serverless.Recommendations.Data;
using Serverless.Recommendations.Models;
using Serverless.Recommendations.Publishing;
using Serverless.Recommendations.Scoring;

namespace Serverless.Recommendations.Rules;

/// <summary>
/// The "apply business rules" step for one service: turns scored candidates into published lists.
/// Order: drop excluded items and categories, keep the model's order within the category cap, use
/// popular items for cold users and to reach the minimum length, then put pinned items at their positions
/// (a pin is left out of the list of a user who already has the item, and of the item's own list).
/// </summary>
public sealed class ListRules
{
    public const string ReasonColdUser = "popular: cold user";
    public const string ReasonUnknownUser = "popular: unknown user";
    public const string ReasonFallback = "popular: fallback to reach the minimum list length";

    private readonly RecommendationModel _model;
    private readonly ItemCatalog _catalog;
    private readonly HashSet<string> _excludedItems;
    private readonly HashSet<string> _excludedCategories;
    private readonly HashSet<string> _pinned;
    private readonly PinnedItem[] _pinnedByPosition;
    private readonly string[] _popular;
    private readonly float[] _popularScores;

    private ListRules(ServiceConfig config, RecommendationModel model, ItemCatalog catalog)
    {
        Config = config;
        _model = model;
        _catalog = catalog;
        _excludedItems = new HashSet<string>(config.ExcludedItems, StringComparer.Ordinal);
        _excludedCategories = new HashSet<string>(config.ExcludedCategories, StringComparer.Ordinal);
        _pinned = new HashSet<string>(config.Pinned.Select(p => p.ItemId), StringComparer.Ordinal);
        _pinnedByPosition = config.Pinned.OrderBy(p => p.Position).ToArray();

        var counts = model.ItemPopularity;
        var order = PopularityOrder.Of(counts);
        _popular = order.Select(i => model.Items[i]).ToArray();
        var users = Math.Max(1, model.Users.Count);
        _popularScores = order.Select(i => counts[i] / (float)users).ToArray();
    }

    public ServiceConfig Config { get; }

    /// <summary>Candidates to request per subject from the scoring steps.</summary>
    public int CandidateDepth => Config.CandidateDepth;

    /// <summary>
    /// Checks the config against the model and catalogue: every pinned or excluded item must be
    /// known (to either), every excluded category must exist in the catalogue.
    /// </summary>
    public static ListRules Create(ServiceConfig config, RecommendationModel model, ItemCatalog catalog, string? configSource = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(catalog);
        var source = configSource ?? config.Service;
        config.Validate(source);

        bool Known(string item) => model.Items.Contains(item) || catalog.TryGet(item, out _);
        var unknownPinned = config.Pinned.Select(p => p.ItemId).Where(i => !Known(i)).ToArray();
        if (unknownPinned.Length > 0) throw new ServiceConfigException(source, "pinned", unknownPinned, "unknown items");
        var unknownExcluded = config.ExcludedItems.Where(i => !Known(i)).ToArray();
        if (unknownExcluded.Length > 0) throw new ServiceConfigException(source, "excludedItems", unknownExcluded, "unknown items");
        var categories = catalog.Categories;
        var unknownCategories = config.ExcludedCategories.Where(c => !categories.Contains(c)).ToArray();
        if (unknownCategories.Length > 0) throw new ServiceConfigException(source, "excludedCategories", unknownCategories, "unknown categories");
        if (config.MaxPerCategory is not null && catalog.Count == 0)
        {
            throw new ServiceConfigException(source, "maxPerCategory", [], "a category cap needs an item catalogue with categories");
        }
        return new ListRules(config, model, catalog);
    }

    /// <summary>Rules for user-to-items lists of one shard.</summary>
    public IReadOnlyList<PublishedList> ApplyToUsers(IEnumerable<ScoredList> candidates, string version) =>
        candidates.Select(c => ApplyToUser(c, version)).ToList();

    /// <summary>Rules for item-to-items lists of one shard.</summary>
    public IReadOnlyList<PublishedList> ApplyToItems(IEnumerable<ScoredList> neighbours, string version) =>
        neighbours.Select(c => ApplyToItem(c, version)).ToList();

    public PublishedList ApplyToUser(ScoredList candidates, string version)
    {
        var user = _model.Users.IndexOf(candidates.SubjectId);
        if (user < 0) return ForUnknownUser(candidates.SubjectId, version);
        var seen = _model.Interactions.RowColumns(user);
        var cold = seen.Length < Config.MinUserInteractions;
        var seenIds = new HashSet<string>(seen.Length, StringComparer.Ordinal);
        foreach (var item in seen) seenIds.Add(_model.Items[item]);
        var items = Build(cold ? [] : candidates.Items, seenIds, cold ? ReasonColdUser : null);
        return new PublishedList(Config.Service, version, ListKind.UserItems, candidates.SubjectId, items);
    }

    public PublishedList ApplyToItem(ScoredList neighbours, string version)
    {
        var self = new HashSet<string>(StringComparer.Ordinal) { neighbours.SubjectId };
        return new PublishedList(Config.Service, version, ListKind.ItemItems, neighbours.SubjectId, Build(neighbours.Items, self, coldReason: null));
    }

    /// <summary>The list for a user the model has never seen: popular items under the same rules.</summary>
    public PublishedList ForUnknownUser(string userId, string version) =>
        new(Config.Service, version, ListKind.UserItems, userId, Build([], new HashSet<string>(StringComparer.Ordinal), ReasonUnknownUser));

    private List<PublishedItem> Build(IReadOnlyList<ScoredItem> candidates, HashSet<string> skip, string? coldReason)
    {
        var pinnedSlots = _pinnedByPosition.Count(p => !skip.Contains(p.ItemId));
        var organicTarget = Config.ListLength - pinnedSlots;
        var list = new List<PublishedItem>(Config.ListLength);
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var perCategory = new Dictionary<string, int>(StringComparer.Ordinal);

        bool Admit(string item)
        {
            if (skip.Contains(item) || taken.Contains(item) || _pinned.Contains(item) || _excludedItems.Contains(item)) return false;
            var category = _catalog.CategoryOf(item);
            if (category is null) return taken.Add(item);
            if (_excludedCategories.Contains(category)) return false;
            perCategory.TryGetValue(category, out var inCategory);
            if (Config.MaxPerCategory is { } cap && inCategory >= cap) return false;
            perCategory[category] = inCategory + 1;
            return taken.Add(item);
        }

        foreach (var candidate in candidates)
        {
            if (list.Count >= organicTarget) break;
            if (Admit(candidate.ItemId)) list.Add(new PublishedItem(candidate.ItemId, candidate.Score));
        }

        // Cold users get popular items for the whole list; others only up to the minimum length.
        var fillTo = coldReason is not null ? organicTarget : Math.Min(organicTarget, Config.MinimumLength - pinnedSlots);
        for (var i = 0; i < _popular.Length && list.Count < fillTo; i++)
        {
            if (Admit(_popular[i])) list.Add(new PublishedItem(_popular[i], _popularScores[i], coldReason ?? ReasonFallback));
        }

        foreach (var pin in _pinnedByPosition)
        {
            if (skip.Contains(pin.ItemId)) continue;
            var at = Math.Min(pin.Position - 1, list.Count);
            list.Insert(at, new PublishedItem(pin.ItemId, null, "pinned at position " + pin.Position.ToString(CultureInfo.InvariantCulture)));
        }
        return list;
    }
}
