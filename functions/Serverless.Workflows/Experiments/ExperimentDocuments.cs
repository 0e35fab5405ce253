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
/// statistics and the allocation decision, with the aggregate version (hash, event count) they came from.
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

/// <summary>The orchestration's input: where the batch is stored, its identity, how to read it.</summary>
/// <param name="BatchPath">The batch's blob (written once at submission).</param>
/// <param name="BatchIdentity">The identity computed at submission; the activity checks it against its own parse.</param>
/// <param name="Format"><see cref="BatchFormats.JsonArray"/> or <see cref="BatchFormats.JsonLines"/>.</param>
/// <param name="Source">The name quarantine entries and errors mention (file name, "HTTP body").</param>
/// <param name="FirstLineNumber">Line number of the batch's first line in its source (replayed files).</param>
/// <param name="ForceRecompute">Recompute statistics after this batch whatever the cadence says (still only if the aggregate changed).</param>
public sealed record ExperimentBatchInput(
    string BatchPath, string BatchIdentity, string Format, string Source, int FirstLineNumber = 1, bool ForceRecompute = false);

public static class BatchFormats
{
    public const string JsonArray = "json-array";
    public const string JsonLines = "json-lines";

    public static bool IsKnown(string format) => format is JsonArray or JsonLines;
}

/// <summary>What applying a batch did to one experiment's aggregate.</summary>
/// <param name="Attempts">Read-apply-write rounds needed (more than 1 when a concurrent batch wrote in between).</param>
/// <param name="TotalEvents">Events counted in the aggregate after this apply (the cadence counts from it).</param>
/// <param name="AggregateHash">SHA-256 of the aggregate after this apply.</param>
public sealed record ExperimentApplyOutcome(
    string ExperimentId, ApplyOutcome Outcome, int EventsApplied, int EventsSkipped, int Attempts, long TotalEvents, string AggregateHash);

/// <summary>The apply activity's result: the batch's counts and each experiment's outcome.</summary>
public sealed record ExperimentBatchApplied(
    string BatchIdentity, int Records, int Accepted, int Quarantined, IReadOnlyDictionary<string, int> QuarantinedByReason,
    string? QuarantinePath, IReadOnlyList<ExperimentApplyOutcome> Experiments);

/// <summary>Asks for a recomputation of one experiment if the cadence (or <paramref name="Force"/>) says so.</summary>
public sealed record RecomputeRequest(string ExperimentId, long TotalEvents, string AggregateHash, DateTime RequestedAt, bool Force = false);

/// <summary>Whether statistics were recomputed and published, why (not), and the weights now served.</summary>
public sealed record RecomputeResult(
    string ExperimentId, bool Recomputed, string Reason, IReadOnlyList<VariantWeight>? Weights = null,
    AllocationReason? AllocationReason = null, bool? SampleRatioMismatch = null);

/// <summary>The ExperimentAggregation orchestration's output.</summary>
public sealed record ExperimentAggregationResult(
    string BatchIdentity, int Records, int Accepted, int Quarantined, IReadOnlyDictionary<string, int> QuarantinedByReason,
    string? QuarantinePath, IReadOnlyList<ExperimentApplyOutcome> Experiments, IReadOnlyList<RecomputeResult> Recomputations);

/// <summary>What a submitted batch became: the orchestration instance that applies it and the parse counts.</summary>
/// <param name="Duplicate">The same batch (by identity) was submitted before; <see cref="InstanceId"/> is that submission's instance.</param>
public sealed record BatchSubmission(
    string InstanceId, string BatchIdentity, string BatchPath, int Records, int Accepted, int Quarantined,
    IReadOnlyDictionary<string, int> QuarantinedByReason, IReadOnlyList<string> Experiments, bool Duplicate);

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
[JsonSerializable(typeof(string))]
public sealed partial class ExperimentDocumentsJsonContext : JsonSerializerContext;
