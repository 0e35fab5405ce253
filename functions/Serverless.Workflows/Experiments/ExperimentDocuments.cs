using System.Text.Json;
using System.Text.Json.Serialization;
using Serverless.Experiments.Aggregation;
using Serverless.Experiments.Allocation;
using Serverless.Experiments.Assignment;
using Serverless.Experiments.Bandit;
using Serverless.Experiments.Events;
using Serverless.Experiments.Statistics;

namespace Serverless.Workflows.Experiments;

/// <summary>A definition as stored: the loader's JSON, where it came from (<c>http</c> or <c>configuration: file</c>) and when.</summary>
public sealed record StoredExperimentDefinition(string Id, string Source, DateTimeOffset UpdatedAt, JsonElement Definition)
{
    public const string HttpSource = "http";

    public bool FromConfiguration => Source.StartsWith(ExperimentDefinitionStore.ConfigurationSourcePrefix, StringComparison.Ordinal);
}

/// <summary>
/// What a recomputation publishes for the dashboard and <c>GET /api/experiments/{id}</c>: the aggregate figures,
/// statistics and the allocation decision, with the version of the figures they came from (<see cref="AggregateHash"/>: each
/// shard's count of applied events, which changes exactly when an event is counted) and the event count.
/// <see cref="AsOf"/> is the instant of the latest event counted (the statistics' and weights' "now"), <see cref="ComputedAt"/>
/// the orchestration time of the recomputation.
/// </summary>
public sealed record PublishedAnalysis(
    string ExperimentId,
    DateTimeOffset ComputedAt,
    DateTimeOffset AsOf,
    string AggregateHash,
    long EventsAtCompute,
    AggregateSummary Aggregate,
    StatisticsReport Statistics,
    AllocationDecision Decision);

public static class BatchFormats
{
    public const string JsonArray = "json-array";
    public const string JsonLines = "json-lines";

    public static bool IsKnown(string format) => format is JsonArray or JsonLines;
}

/// <summary>The input of a shard's singleton aggregator: which shard it drains, and how long it waits idle before looking anyway (a lost wake-up costs at most this).</summary>
public sealed record AggregatorInput(string ExperimentId, int Shard, TimeSpan IdlePollInterval);

/// <summary>What one apply round of a shard did.</summary>
/// <param name="Parts">Pending batch parts taken in this round (applied, found applied before, or quarantined whole).</param>
/// <param name="EventsSkipped">Events counted before (same eventId and content, or the whole batch by its identity).</param>
/// <param name="EventsRefused">Events quarantined by the round: eventId reused with other content, or beyond the dedupe horizon.</param>
/// <param name="MorePending">The round stopped at its size limit: more parts are waiting.</param>
/// <param name="TotalEvents">Events counted in the shard after the round.</param>
public sealed record DrainResult(
    string ExperimentId, int Shard, int Parts, long EventsApplied, long EventsSkipped, long EventsRefused, bool MorePending, long TotalEvents)
{
    public static DrainResult Nothing(string experimentId, int shard) => new(experimentId, shard, 0, 0, 0, 0, false, 0);
}

/// <summary>
/// A shard's progress as its last apply round published it (<c>experiments/{id}/shards/{n}/status.json</c>). Every part
/// acknowledged before <see cref="AppliedThrough"/> is applied: the round listed the pending parts at that instant.
/// </summary>
public sealed record ShardStatus(
    string ExperimentId, int Shard, DateTimeOffset AppliedThrough, DateTimeOffset CommittedAt, string StateETag, long TotalEvents,
    long DistinctUsers, long PendingPartsAtStart, int PartsApplied, DedupeStatus? Dedupe);

/// <summary>Asks for a recomputation of one experiment if the cadence (or <paramref name="Force"/>) says so.</summary>
public sealed record RecomputeRequest(string ExperimentId, DateTime RequestedAt, bool Force = false);

/// <summary>Whether statistics were recomputed and published, why (not), and the weights now served.</summary>
public sealed record RecomputeResult(
    string ExperimentId, bool Recomputed, string Reason, IReadOnlyList<VariantWeight>? Weights = null,
    AllocationReason? AllocationReason = null, bool? SampleRatioMismatch = null);

/// <summary>What a submitted batch became: its stored body, the pending parts the shards' aggregators will apply, and the parse counts.</summary>
/// <param name="Duplicate">The same batch (by identity) was submitted before; its events are counted once all the same.</param>
/// <param name="PendingParts">The pending-list blobs written for this batch (one per experiment shard it touches); each is deleted once applied.</param>
/// <param name="Aggregators">The aggregator instances woken for it.</param>
public sealed record BatchSubmission(
    string BatchIdentity, string BatchPath, int Records, int Accepted, int Quarantined,
    IReadOnlyDictionary<string, int> QuarantinedByReason, IReadOnlyList<string> Experiments, bool Duplicate,
    IReadOnlyList<string> PendingParts, IReadOnlyList<string> Aggregators, string? QuarantinePath);

/// <summary>A user's variant as the assignment API returns it.</summary>
public sealed record AssignmentView(
    string ExperimentId, string User, string Variant, IReadOnlyDictionary<string, string> Parameters,
    AssignmentSource Source, DateTimeOffset AssignedAt);

/// <summary>One line of <c>GET /api/experiments</c>.</summary>
public sealed record ExperimentListItem(
    string Id, string Mode, string PrimaryMetric, string Control, DateTimeOffset Start, DateTimeOffset? Stop, bool Running,
    IReadOnlyList<VariantWeight> Weights, long ExposedUsers, bool? SampleRatioMismatch, DateTimeOffset? ComputedAt, string Source);

/// <summary><c>GET /api/experiments/{id}</c>: the definition, the weights served with their history, and the latest published analysis.</summary>
public sealed record ExperimentView(
    string Id, string Source, DateTimeOffset UpdatedAt, bool Running, JsonElement Definition, AllocationState Allocation, PublishedAnalysis? Analysis);

/// <summary>Source-generated JSON for the documents the experiments area stores.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(StoredExperimentDefinition))]
[JsonSerializable(typeof(PublishedAnalysis))]
[JsonSerializable(typeof(AllocationState))]
[JsonSerializable(typeof(VariantAssignment))]
[JsonSerializable(typeof(List<QuarantinedEvent>))]
[JsonSerializable(typeof(ShardStatus))]
[JsonSerializable(typeof(string))]
public sealed partial class ExperimentDocumentsJsonContext : JsonSerializerContext;
