using System.Text.Json.Serialization;
using Serverless.Recommendations.Evaluation;
using Serverless.Recommendations.Rules;
using Serverless.Recommendations.Scoring;

namespace Serverless.Recommendations.Publishing;

/// <summary>
/// Source-generated JSON for every record this library hands to storage or between orchestration
/// steps (camelCase, enums as strings). Other code can pass <c>RecommendationsJsonContext.Default.X</c>.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PublishedList))]
[JsonSerializable(typeof(ModelManifest))]
[JsonSerializable(typeof(ServiceConfig))]
[JsonSerializable(typeof(ScoredList))]
[JsonSerializable(typeof(List<ScoredList>))]
[JsonSerializable(typeof(Shard))]
[JsonSerializable(typeof(EvaluationReport))]
[JsonSerializable(typeof(GateDecision))]
[JsonSerializable(typeof(GatedEvaluation))]
[JsonSerializable(typeof(ChampionChallengerEvaluation))]
[JsonSerializable(typeof(Search.SearchSummary))]
[JsonSerializable(typeof(PublicationSummary))]
public sealed partial class RecommendationsJsonContext : JsonSerializerContext;
