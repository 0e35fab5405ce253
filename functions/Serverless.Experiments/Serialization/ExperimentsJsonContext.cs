using System.Text.Json.Serialization;
using Serverless.Experiments.Aggregation;
using Serverless.Experiments.Allocation;
using Serverless.Experiments.Assignment;
using Serverless.Experiments.Bandit;
using Serverless.Experiments.Events;
using Serverless.Experiments.Statistics;

namespace Serverless.Experiments.Serialization;

/// <summary>
/// Source-generated JSON for the records the host stores or returns: allocation state (served by the assignment API),
/// assignments, statistics, batch summaries and quarantine entries. Enums travel as names.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(AllocationState))]
[JsonSerializable(typeof(VariantAssignment))]
[JsonSerializable(typeof(StatisticsReport))]
[JsonSerializable(typeof(AllocationUpdate))]
[JsonSerializable(typeof(ExperimentAnalysis))]
[JsonSerializable(typeof(BatchSummary))]
[JsonSerializable(typeof(BatchApplyResult))]
[JsonSerializable(typeof(AggregateSummary))]
[JsonSerializable(typeof(List<QuarantinedEvent>))]
[JsonSerializable(typeof(Dictionary<string, object?>))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(string))]
public sealed partial class ExperimentsJsonContext : JsonSerializerContext;
