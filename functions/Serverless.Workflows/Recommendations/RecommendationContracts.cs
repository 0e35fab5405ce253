using Serverless.Recommendations.Publishing;
using Serverless.Recommendations.Scoring;

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

public sealed record TrainRequest(string SettingsPath, string Service, string DataPath, string DataHash);

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

public sealed record EvaluateRequest(string SettingsPath, string Service, string DataPath, TrainedModel Model);

/// <summary>The evaluation's headline figures and the gate's verdict; the full report is a blob.</summary>
public sealed record EvaluationOutcome(
    bool Publish,
    string Reason,
    string Split,
    double ModelNdcg,
    double PopularityNdcg,
    double? InServiceNdcg,
    string? InServiceVersion,
    string ReportPath,
    IReadOnlyDictionary<string, double> Metrics);

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

/// <summary>What is in service for one service: stored as the pointer document (partition <see cref="RecommendationPaths.ServicesPartition"/>, id = service).</summary>
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
    PublicationSummary Summary);

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
    PublicationSummary? Publication = null);

public sealed record ReportRequest(string RunId, DateTime StartedAtUtc, IReadOnlyList<ServiceRefreshResult> Services);

/// <summary>The orchestration's output: one result per service and the report's blob path.</summary>
public sealed record RecommendationRefreshResult(string RunId, IReadOnlyList<ServiceRefreshResult> Services, string ReportPath);
