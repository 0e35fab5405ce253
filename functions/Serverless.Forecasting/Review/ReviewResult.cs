using Serverless.Forecasting.Configuration;

namespace Serverless.Forecasting.Review;

/// <summary>What the orchestration does when the review deadline passes without a decision.</summary>
public enum DeadlineDecision
{
    Approve,
    HoldAndNotify,
}

/// <summary>The outcome of the automatic review: every flag, worst first.</summary>
public sealed record ReviewResult(IReadOnlyList<ReviewFlag> Flags, int SeriesChecked)
{
    /// <summary>True when no check raised a warning or worse.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsClean => Flags.All(f => f.Severity == ReviewSeverity.Info);

    public int Count(ReviewSeverity severity) => Flags.Count(f => f.Severity == severity);

    /// <summary>Applies the configured deadline policy.</summary>
    public DeadlineDecision OnDeadline(DeadlinePolicy policy) => policy switch
    {
        DeadlinePolicy.AutoApproveWhenClean when IsClean => DeadlineDecision.Approve,
        _ => DeadlineDecision.HoldAndNotify,
    };

    public byte[] ToJsonBytes() =>
        System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(this, Serialization.ForecastJsonContext.Default.ReviewResult);

    public static ReviewResult FromJson(ReadOnlySpan<byte> json, string sourceName) =>
        System.Text.Json.JsonSerializer.Deserialize(json, Serialization.ForecastJsonContext.Default.ReviewResult)
        ?? throw new FormatException($"{sourceName}: line 1: the review is empty (null).");

    /// <summary>A short summary for a notification.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Summary =>
        IsClean && Flags.Count == 0
            ? $"{SeriesChecked} series checked, nothing flagged"
            : $"{SeriesChecked} series checked: {Count(ReviewSeverity.Critical)} critical, {Count(ReviewSeverity.Warning)} warning, {Count(ReviewSeverity.Info)} info";
}
