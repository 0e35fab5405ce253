using Serverless.Forecasting.Backtesting;
using Serverless.Forecasting.Configuration;

namespace Serverless.Forecasting.Proposals;

/// <summary>One line of a store's order proposal.</summary>
public sealed record ProposalLine(string Item, DateOnly Date, double Forecast, int ProposedOrder, int Order, bool Overridden);

/// <summary>Per-item totals of the week.</summary>
public sealed record ProposalTotal(string Item, double Forecast, int Order);

/// <summary>The JSON document of a store's order proposal.</summary>
public sealed record ProposalDocument(
    string Store, DateOnly RunDate, DateOnly TargetStart, DateOnly TargetEnd, double ServiceLevel,
    string Method, string ModelVersion, IReadOnlyList<ProposalLine> Lines, IReadOnlyList<ProposalTotal> Totals);

/// <summary>
/// Where a proposal came from: run date, target week (end exclusive), parameters, data hashes,
/// model version or baseline, backtest figures, code version, overrides, and the hashes of the
/// CSV and JSON bytes it describes.
/// </summary>
public sealed record ProposalManifest(
    string Store,
    DateOnly RunDate,
    DateOnly TargetStart,
    DateOnly TargetEnd,
    double ServiceLevel,
    string Method,
    string ModelVersion,
    bool ModelPromoted,
    string PromotionReason,
    string StoreDataHash,
    string TrainingDataHash,
    string CodeVersion,
    ForecastConfig Parameters,
    IReadOnlyList<ForecastMetrics> BacktestMetrics,
    IReadOnlyList<AppliedOverride> Overrides,
    string CsvSha256,
    string JsonSha256);

/// <summary>A store's order proposal: CSV and JSON bytes plus the manifest (also as JSON bytes).</summary>
public sealed record OrderProposal(string Store, byte[] Csv, byte[] Json, ProposalManifest Manifest, byte[] ManifestJson);
