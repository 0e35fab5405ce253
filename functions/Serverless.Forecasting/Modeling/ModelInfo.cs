using Serverless.Forecasting.Backtesting;
using Serverless.Forecasting.Configuration;
using Serverless.Forecasting.Features;

namespace Serverless.Forecasting.Modeling;

/// <summary>
/// Everything about a trained model except its trees: the manifest of the training run (config,
/// data hash, code version), the feature codes, the quantile calibrators of the model and both
/// baselines, the backtest and the promotion decision.
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
    PromotionDecision Promotion);
