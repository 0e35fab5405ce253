using System.Text.Json.Serialization;
using Serverless.Forecasting.Backtesting;
using Serverless.Forecasting.Configuration;
using Serverless.Forecasting.Data;
using Serverless.Forecasting.Modeling;

namespace Serverless.Forecasting.Serialization;

/// <summary>Source-generated JSON for every document the library reads or writes.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(ForecastConfig))]
[JsonSerializable(typeof(Catalogue))]
[JsonSerializable(typeof(ModelInfo))]
[JsonSerializable(typeof(BacktestReport))]
[JsonSerializable(typeof(Forecasts.StoreForecast))]
[JsonSerializable(typeof(Review.ReviewResult))]
[JsonSerializable(typeof(Proposals.ProposalDocument))]
[JsonSerializable(typeof(Proposals.ProposalManifest))]
internal sealed partial class ForecastJsonContext : JsonSerializerContext;
