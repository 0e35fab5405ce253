using System.Text.Json.Serialization;
using Serverless.Experiments.Definitions;

namespace Serverless.Experiments.Serialization;

/// <summary>Source-generated JSON for the library's own document shapes (definitions as written, stored aggregates).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(ExperimentDocument))]
[JsonSerializable(typeof(AggregateDocument))]
internal sealed partial class InternalJsonContext : JsonSerializerContext;
