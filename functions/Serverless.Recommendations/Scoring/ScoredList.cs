namespace Serverless.Recommendations.Scoring;

/// <summary>One candidate item with its model score.</summary>
public sealed record ScoredItem(string ItemId, float Score);

/// <summary>What the model ranks for one subject (a user, or an item for item-to-item lists), best first.</summary>
public sealed record ScoredList(string SubjectId, IReadOnlyList<ScoredItem> Items);
