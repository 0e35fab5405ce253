using System.Text.Json;
using Serverless.Forecasting.Backtesting;

namespace Serverless.Workflows.Forecasting;

/// <summary>
/// Input of <c>WeeklyForecast</c>. Everything is optional: the run date defaults to the Monday on or
/// before the orchestration's start, the config to <c>Serverless:Forecast:ConfigPath</c> (else the
/// library defaults), the dataset to <c>Serverless:Forecast:Dataset</c> (else <c>builtin</c>).
/// </summary>
/// <param name="RunDate">The run date (yyyy-MM-dd): sales up to the day before are used.</param>
/// <param name="ConfigPath">A forecast config file (JSON) in the input folder (<c>Serverless:Inputs:Root</c>), relative to it.</param>
/// <param name="Config">An inline forecast config (same JSON as the file); wins over <paramref name="ConfigPath"/>.</param>
/// <param name="Seed">Overrides the model seed of the config.</param>
/// <param name="Dataset">The dataset name in the blob store (<c>datasets/forecast/{name}/</c>).</param>
public sealed record WeeklyForecastInput(
    string? RunDate = null,
    string? ConfigPath = null,
    JsonElement? Config = null,
    int? Seed = null,
    string? Dataset = null);

/// <summary>
/// The <c>ForecastReviewed</c> event: <c>approve</c>, <c>adjust</c> (approve with adjustments) or
/// <c>reject</c>, case-insensitive. An approval that carries adjustments counts as an adjustment.
/// </summary>
public sealed record ForecastReviewDecision(
    string? Decision,
    string? Reviewer = null,
    string? Comment = null,
    IReadOnlyList<ForecastAdjustment>? Adjustments = null);

/// <summary>A reviewer's order for one store x item for the whole target week (spread over the days like the proposal).</summary>
public sealed record ForecastAdjustment(string Store, string Item, int WeekUnits);

/// <summary>Output of <c>WeeklyForecast</c>.</summary>
/// <param name="WeekEnd">The last day of the target week (inclusive).</param>
/// <param name="Decision">approved | adjusted | rejected | approved-at-deadline | held-at-deadline | held-after-refused-decisions.</param>
/// <param name="Published">One entry per store file written (or found already written); empty unless approved.</param>
/// <param name="Artifacts">The blob folder with every artifact of the run.</param>
/// <param name="Notifications">Each notification the run sent and whether every sink took it (null: a run from before this was recorded).</param>
public sealed record WeeklyForecastOutput(
    string RunDate,
    string WeekStart,
    string WeekEnd,
    string Decision,
    string? Reviewer,
    string? Comment,
    IReadOnlyList<PublishedStoreFile> Published,
    ForecastModelSummary Model,
    ForecastReviewSummary Review,
    IReadOnlyList<StoreWeekSummary> Stores,
    string Artifacts,
    string DataHash,
    int QuarantinedRows,
    IReadOnlyList<Common.NotificationOutcome>? Notifications = null);

/// <summary>A published store file: where it is, its lines and units, and whether this run created it.</summary>
/// <param name="Outcome">created | already-present | conflict (a different file for the week was already there; left unchanged).</param>
public sealed record PublishedStoreFile(string Store, string Path, int Lines, int Units, string Outcome, string? ProposalPath = null);

/// <summary>What the train step produced.</summary>
/// <param name="Name">The method serving the forecasts: <c>model</c>, or the fallback baseline's name.</param>
public sealed record ForecastModelSummary(
    string Path,
    string Version,
    string Name,
    bool Promoted,
    string Reason,
    double ServiceLevel,
    IReadOnlyList<ForecastMetrics> Backtest);

/// <summary>The automatic review in short.</summary>
public sealed record ForecastReviewSummary(string PackagePath, int SeriesChecked, int Flags, int Critical, int Warning, bool IsClean, string Summary);

/// <summary>Per store: series, the forecast and the proposed orders of the week.</summary>
public sealed record StoreWeekSummary(string Store, int Items, double ForecastUnits, int OrderUnits, string ForecastPath, string AggregatePath);
