using Microsoft.DurableTask;
using Serverless.Durable;
using Serverless.Forecasting.Synthetic;
using Serverless.Storage.Blobs;

namespace Serverless.Workflows.Forecasting;

/// <summary>
/// The pieces of the main job (<c>serverless run</c>) that do not depend on a console: the default run
/// date, the built-in data when it is missing or too old, the input, the automatic approval, and the
/// time of each stage read back from the instance's history.
/// </summary>
public static class ForecastMainJob
{
    public const string AutoReviewer = "serverless run (automatic approval)";

    /// <summary>The Monday on or before <paramref name="today"/>.</summary>
    public static DateOnly LatestMonday(DateOnly today) => today.AddDays(-(((int)today.DayOfWeek + 6) % 7));

    /// <summary>
    /// Makes sure the built-in dataset covers the run: generates the synthetic chain (seed 42, 10 stores,
    /// 12 items, daily from 2017-01-01) up to yesterday, or the day before the run date if that is later,
    /// when the dataset is missing or ends too early. The same seed and end always give the same data.
    /// </summary>
    public static async Task<(ForecastDatasetManifest Manifest, bool Generated)> EnsureBuiltinDataAsync(
        IBlobStore blobs, DateOnly runDate, DateOnly today, GeneratorOptions? options = null, CancellationToken cancellationToken = default)
    {
        var existing = await ForecastDatasets.ReadManifestAsync(blobs, ForecastArtifacts.DefaultDataset, cancellationToken);
        var needed = runDate.AddDays(-1);
        if (existing is not null && ForecastArtifacts.ParseDate(existing.LastDate, "lastDate") >= needed) return (existing, false);
        var end = needed > today.AddDays(-1) ? needed : today.AddDays(-1);
        var generated = await ForecastDatasets.GenerateAsync(blobs, ForecastArtifacts.DefaultDataset,
            (options ?? new GeneratorOptions()) with { End = end }, cancellationToken);
        return (generated, true);
    }

    public static ForecastReviewDecision AutomaticApproval { get; } = new("approve", AutoReviewer, "approved automatically by a non-interactive run");

    /// <summary>
    /// Wall time of each stage, from the history: for each step, from the first of its activities being
    /// scheduled to the last one completing (a fan-out counts once, for its whole width).
    /// </summary>
    public static IReadOnlyList<(string Stage, TimeSpan Time, int Activities)> StageTimes(IReadOnlyList<OrchestrationHistoryEvent> history)
    {
        var stages = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            [ForecastActivityNames.Prepare] = "prepare",
            [ForecastActivityNames.AggregateStore] = "aggregate",
            [ForecastActivityNames.Train] = "train",
            [ForecastActivityNames.PredictStore] = "predict",
            [ForecastActivityNames.Review] = "review",
            [ForecastActivityNames.PublishStore] = "publish",
        };
        var scheduled = new Dictionary<int, (string Stage, DateTime At)>();
        var spans = new Dictionary<string, (DateTime From, DateTime To, int Count)>();
        foreach (var e in history)
        {
            if (e.TaskId is not { } id || e.Name is null || !stages.TryGetValue(e.Name, out var stage)) continue;
            if (e.EventType == "TaskScheduled") scheduled[id] = (stage, e.Timestamp);
            else if (e.EventType is "TaskCompleted" or "TaskFailed" && scheduled.TryGetValue(id, out var start))
            {
                spans[stage] = spans.TryGetValue(stage, out var span)
                    ? (start.At < span.From ? start.At : span.From, e.Timestamp > span.To ? e.Timestamp : span.To, span.Count + 1)
                    : (start.At, e.Timestamp, 1);
            }
        }
        return stages.Values.Distinct().Where(spans.ContainsKey).Select(s => (s, spans[s].To - spans[s].From, spans[s].Count)).ToList();
    }
}
