namespace Serverless.Recommendations.Publishing;

/// <summary>Whether a list recommends items to a user or items like an item.</summary>
public enum ListKind
{
    UserItems,
    ItemItems,
}

/// <summary>One ranked item; a reason says which rule placed it (null when the model ranked it). Pinned items have no score.</summary>
public sealed record PublishedItem(string ItemId, float? Score, string? Reason = null);

/// <summary>A list as a service receives it.</summary>
public sealed record PublishedList(string Service, string Version, ListKind Kind, string SubjectId, IReadOnlyList<PublishedItem> Items);
