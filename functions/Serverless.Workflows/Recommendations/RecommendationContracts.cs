using Serverless.Recommendations.Models;
using Serverless.Recommendations.Publishing;
using Serverless.Recommendations.Scoring;
using Serverless.Recommendations.Search;

namespace Serverless.Workflows.Recommendations;

/// <summary>Input of <c>RecommendationRefresh</c>: the services to refresh (all configured when empty) and an ALS seed override.</summary>
public sealed record RecommendationRefreshInput(IReadOnlyList<string>? Services = null, ulong? Seed = null);

/// <summary>How the training step runs: in the activity's process, or as a training job (sub-orchestration).</summary>
public enum RecommendationTrainingMode
{
    InProcess,
    Job,
}

/// <summary>The plan of a run: a snapshot of the settings (a blob) every step reads, and the services in order.</summary>
public sealed record RefreshPlan(string RunId, string SettingsPath, string SettingsSource, RecommendationTrainingMode Training,
    IReadOnlyList<string> Services, int UserShardSize, int ItemShardSize);

public sealed record PlanRequest(string RunId, IReadOnlyList<string>? Services, ulong? Seed);

/// <summary>What every per-service step needs: the run's settings snapshot and the service.</summary>
public sealed record ServiceStep(string SettingsPath, string Service);

/// <summary>The imported interactions of one service, stored under a path derived from their hash.</summary>
public sealed record ImportedData(
    string Service,
    string DataPath,
    string? CatalogPath,
    string DataHash,
    int Users,
    int Items,
    int Interactions,
    int RowsRead,
    int Quarantined,
    int MergedDuplicates,
    string? QuarantinePath,
    bool Generated);

/// <summary>What to train on all of a service's data: the search's winner, or the configured ALS parameters when <paramref name="Recipe"/> is null.</summary>
public sealed record TrainRequest(string SettingsPath, string Service, string DataPath, string DataHash, ModelRecipe? Recipe = null);

/// <summary>The archived model in service the gate compares with.</summary>
/// <param name="ListsVersion">The version of the lists in service.</param>
/// <param name="DataEndUtc">When its training data ended (the time cut); null when its data had no timestamps.</param>
public sealed record ChampionReference(string ListsVersion, string ModelVersion, string ModelPath, string ManifestPath, DateTimeOffset? DataEndUtc);

public sealed record SearchPlanRequest(string SettingsPath, string Service, string RunId, ImportedData Data);

/// <summary>
/// The gate's split (stored as a mask, so every later step measures on exactly the same interactions), what the
/// gate compares with, and the search's trials in order.
/// </summary>
/// <param name="Searching">False when there is nothing to search: the one trial is the recipe to train, and runs nowhere.</param>
/// <param name="Note">Why there is no search when the service configures one, or null.</param>
public sealed record SearchPlan(
    string Service,
    string GateSplitPath,
    string GateSplit,
    string GateBasis,
    ChampionReference? Champion,
    string? InServiceVersion,
    string ValidationSplit,
    int ValidationTrainInteractions,
    int ValidationInteractions,
    IReadOnlyList<SearchTrial> Trials,
    int ParallelTrials,
    double? MaxSeconds,
    bool Searching,
    string? Note = null);

/// <summary>One trial of the fan-out: fit on the validation split carved from the gate's training part, score on its hold-out.</summary>
public sealed record SearchTrialRequest(string SettingsPath, string Service, string DataPath, string DataHash, string GateSplitPath, SearchTrial Trial);

public sealed record SearchSelectRequest(string SettingsPath, string Service, string RunId, SearchPlan Plan, IReadOnlyList<SearchTrialResult> Results, string? StoppedBy);

/// <summary>
/// The search's result: the recipe to train on all data, the search table (null without a search), the gate's split
/// and what is in service (<paramref name="InServiceVersion"/>, the lists' version, even when no archived model can be scored).
/// </summary>
public sealed record SearchOutcome(
    ModelRecipe Winner,
    SearchSummary? Summary,
    string? SummaryPath,
    string GateSplitPath,
    string GateSplit,
    string GateBasis,
    ChampionReference? Champion,
    string? InServiceVersion,
    string? Note = null);

/// <summary>A trained model in the blob store, with the version its lists would get.</summary>
public sealed record TrainedModel(
    string ModelVersion,
    string ModelPath,
    string ManifestPath,
    string ListVersion,
    int Users,
    int Items,
    string Backend,
    double FactorizeSeconds);

public sealed record EvaluateRequest(string SettingsPath, string Service, string DataPath, TrainedModel Model, SearchOutcome Search);

/// <summary>The evaluation's headline figures and the gate's verdict; the full report is a blob.</summary>
/// <param name="ModelNdcg">The candidate's NDCG@K on the gate's split.</param>
/// <param name="InServiceNdcg">The archived model in service's, or null when the gate compared with popularity.</param>
/// <param name="DefaultsNdcg">The configured parameters' (what the search started from), on the same split.</param>
/// <param name="Basis">What the split is and what the candidate was compared with, in words.</param>
/// <param name="TestUsers">Users with test interactions on the split (0: the figures mean nothing).</param>
public sealed record EvaluationOutcome(
    bool Publish,
    string Reason,
    string Split,
    double ModelNdcg,
    double PopularityNdcg,
    double? InServiceNdcg,
    string? InServiceVersion,
    string ReportPath,
    IReadOnlyDictionary<string, double> Metrics,
    double? DefaultsNdcg = null,
    string? Basis = null,
    int TestUsers = 0);

/// <summary>One fan-out shard: score (users) or neighbours (items), then the rules, written as JSON Lines.</summary>
public sealed record ShardRequest(string SettingsPath, string Service, string ModelPath, string? CatalogPath, string ListVersion, ListKind Kind, Shard Shard);

/// <summary>A shard's lists after the rules.</summary>
public sealed record ShardLists(ListKind Kind, int Shard, string Path, int Lists);

public sealed record PublishShardRequest(string Service, string ListVersion, ListKind Kind, string Path);

public sealed record ActivateRequest(
    string SettingsPath,
    string Service,
    string RunId,
    DateTime PublishedAtUtc,
    TrainedModel Model,
    string DataHash,
    IReadOnlyList<string> UserShardPaths,
    IReadOnlyList<string> ItemShardPaths,
    double ModelNdcg);

/// <summary>
/// What is in service for one service: stored as the pointer document (partition <see cref="RecommendationPaths.ServicesPartition"/>, id = service).
/// The archived model (and its manifest, with the end of its training data) is what the next refresh's gate scores;
/// pointers written before models were archived have none.
/// </summary>
public sealed record ServiceListsPointer(
    string Service,
    string Version,
    string ModelVersion,
    string DataHash,
    string ListsPath,
    IReadOnlyList<string> UserShardPaths,
    IReadOnlyList<string> ItemShardPaths,
    DateTime PublishedAtUtc,
    string RunId,
    double ModelNdcg,
    PublicationSummary Summary,
    string? ArchivedModelPath = null,
    string? ArchivedManifestPath = null,
    DateTimeOffset? DataEndUtc = null);

public enum ServiceRefreshOutcome
{
    /// <summary>New lists are in service.</summary>
    Published,

    /// <summary>The gate refused the new model; the lists in service stay.</summary>
    Kept,

    /// <summary>A step failed (bad input, bad config); the lists in service stay.</summary>
    Failed,
}

/// <summary>What happened to one service in a run.</summary>
public sealed record ServiceRefreshResult(
    string Service,
    ServiceRefreshOutcome Outcome,
    string Reason,
    string? Version = null,
    string? InServiceVersion = null,
    ImportedData? Data = null,
    TrainedModel? Model = null,
    EvaluationOutcome? Evaluation = null,
    PublicationSummary? Publication = null,
    SearchOutcome? Search = null);

public sealed record ReportRequest(string RunId, DateTime StartedAtUtc, IReadOnlyList<ServiceRefreshResult> Services);

/// <summary>The orchestration's output: one result per service and the report's blob path.</summary>
public sealed record RecommendationRefreshResult(string RunId, IReadOnlyList<ServiceRefreshResult> Services, string ReportPath);
