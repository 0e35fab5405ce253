using System.Text.Json;

namespace Serverless.Workflows.Forecasting;

// The payloads between WeeklyForecast and its activities. They stay small: large data (sales,
// histories, the model, forecasts) lives in the blob store and only its paths travel.

/// <summary>Input of the prepare step; <paramref name="RunDate"/> is already resolved by the orchestrator.</summary>
public sealed record PrepareForecastInput(string RunDate, string? ConfigPath, JsonElement? Config, int? Seed, string? Dataset);

/// <summary>The run as prepared: validated parameters, the stores, where its artifacts go.</summary>
/// <param name="ConfigJson">The effective forecast config (seed applied), as JSON.</param>
/// <param name="Root">Blob folder of the run's artifacts, derived from its parameters.</param>
/// <param name="Training">InProcess | Job (<c>Serverless:Forecast:Training</c>).</param>
public sealed record PreparedForecastRun(
    string RunDate,
    string WeekStart,
    string WeekEnd,
    string Root,
    string RunKey,
    string ConfigJson,
    IReadOnlyList<string> Stores,
    string Dataset,
    string DataHash,
    string DataStart,
    string DataEnd,
    long Rows,
    int QuarantinedRows,
    string Training,
    double DeadlineHours,
    string DeadlinePolicy,
    double ServiceLevel,
    double ReminderHours = 0);

public sealed record AggregateStoreInput(string Root, string Store, string RunDate, string ConfigJson, string Dataset);

/// <summary>One store's aggregated history in the blob store, with the SHA-256 of its bytes.</summary>
public sealed record AggregatedStore(string Store, string Path, string DataHash, int Items, int HistoryDays);

public sealed record TrainForecastInput(string Root, string ConfigJson, IReadOnlyList<string> AggregatePaths);

public sealed record PredictStoreInput(string Root, string Store, string AggregatePath, string ModelPath);

public sealed record PredictedStore(string Store, string Path, int Items, double ForecastUnits, int OrderUnits);

/// <summary>Where one store's history and forecast are, for the steps that need both.</summary>
public sealed record StoreArtifacts(string Store, string AggregatePath, string AggregateHash, string ForecastPath);

public sealed record ReviewForecastInput(
    string Root, string ConfigJson, string Dataset, string RunDate, string WeekStart, string WeekEnd,
    IReadOnlyList<StoreArtifacts> Stores, ForecastModelSummary Model, DateTime Deadline);

public sealed record ValidateDecisionInput(IReadOnlyList<StoreArtifacts> Stores, ForecastReviewDecision Decision);

public sealed record PublishStoreInput(
    string Root,
    StoreArtifacts Store,
    string ModelPath,
    string WeekStart,
    string Decision,
    string DecisionKey,
    string? Reviewer,
    string? Comment,
    IReadOnlyList<ForecastAdjustment> Adjustments);

public sealed record ForecastNotification(string Subject, string Body, string Severity, IReadOnlyList<string>? Links = null);
