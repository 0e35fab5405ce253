using Serverless.Forecasting.Backtesting;
using Serverless.Forecasting.Configuration;
using Serverless.Forecasting.Features;

namespace Serverless.Forecasting.Modeling;

/// <summary>
/// Everything about a trained model except its trees: the manifest of the training run (config,
/// data hash, code version), the feature codes, the quantile calibrators of the model and both
/// baselines, the backtest, the promotion decision, and the pooled seasonal ratios of the run
/// date's target days (item over all stores, chain), which the per-store predict step cannot compute.
/// </summary>
public sealed record ModelInfo(
    string ModelVersion,
    string FeatureSetVersion,
    DateOnly RunDate,
    string TrainingDataHash,
    string CodeVersion,
    ForecastConfig Config,
    int TrainingRows,
    FeatureVocabulary Vocabulary,
    IReadOnlyDictionary<string, QuantileCalibrator> Calibrators,
    BacktestReport Backtest,
    PromotionDecision Promotion,
    PooledSeasonality? Seasonality);
