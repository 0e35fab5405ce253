using System.Diagnostics.Metrics;
using Serverless.Forecasting.Backtesting;

namespace Serverless.Workflows.Telemetry;

/// <summary>
/// What each run's work was worth, as gauges a dashboard can chart and alert on (meter <see cref="MeterName"/>): the
/// forecast's backtest WAPE and pinball loss per method, the recommendation lists' NDCG@10 per service, and the A/B
/// aggregation's apply lag. Recorded by activities (never by orchestrators, whose code replays); a gauge keeps the last
/// value, so a re-delivered activity changes nothing.
/// </summary>
public static class WorkflowMetrics
{
    public const string MeterName = "Serverless.Workflows";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Gauge<double> ForecastWape = Meter.CreateGauge<double>("serverless.forecast.wape", "1",
        "Backtest WAPE of the latest weekly forecast run, per method (model and the naive baselines).");

    private static readonly Gauge<double> ForecastPinball = Meter.CreateGauge<double>("serverless.forecast.pinball_loss", "{unit}",
        "Backtest pinball loss of the order quantity at the service level, per method.");

    private static readonly Gauge<double> RecommendationNdcg = Meter.CreateGauge<double>("serverless.recommendations.ndcg_at_10", "1",
        "NDCG@10 of the latest refresh per service: the new model, the popularity baseline and the lists in service.");

    private static readonly Gauge<double> ExperimentsApplyLag = Meter.CreateGauge<double>("serverless.experiments.apply_lag", "s",
        "How far the A/B aggregates are behind the events: from an event batch's arrival to its counting.");

    public static void RecordForecastBacktest(IEnumerable<ForecastMetrics> backtest)
    {
        ArgumentNullException.ThrowIfNull(backtest);
        foreach (var m in backtest)
        {
            var method = new KeyValuePair<string, object?>("method", m.Method);
            ForecastWape.Record(m.Wape, method);
            ForecastPinball.Record(m.PinballLoss, method);
        }
    }

    public static void RecordRecommendationNdcg(string service, double model, double popularity, double? inService)
    {
        ForecastNdcg(service, "model", model);
        ForecastNdcg(service, "popularity", popularity);
        if (inService is { } value) ForecastNdcg(service, "in_service", value);
    }

    /// <summary>
    /// The experiments apply lag: the time from a batch part's acknowledgement to the round that applied it, recorded by
    /// <see cref="Experiments.ApplyLagMonitor"/> for the parts this process acknowledged.
    /// </summary>
    public static void RecordExperimentsApplyLag(TimeSpan lag, string? experiment = null) =>
        ExperimentsApplyLag.Record(Math.Max(0, lag.TotalSeconds), new KeyValuePair<string, object?>("experiment", experiment ?? "all"));

    private static void ForecastNdcg(string service, string list, double value) =>
        RecommendationNdcg.Record(value, new("service", service), new("list", list));
}
