namespace Serverless.Forecasting.Backtesting;

/// <summary>The figures of one backtest origin.</summary>
public sealed record OriginMetrics(DateOnly Origin, ForecastMetrics Model, ForecastMetrics SameWeekdayLastWeek, ForecastMetrics MeanOfLastFourSameWeekdays);

/// <summary>
/// Rolling-origin backtest: each origin trained only on data before it and forecast its own target
/// week. Order quantities of every method (model and both baselines alike) come from quantiles of
/// that method's own out-of-sample errors at earlier origins whose target weeks had ended before
/// the origin; <see cref="CalibrationOrigins"/> only supply such errors to the first evaluated origins.
/// All metrics are against recorded sales (see <see cref="ForecastMetrics"/>).
/// </summary>
public sealed record BacktestReport(
    double ServiceLevel,
    IReadOnlyList<DateOnly> Origins,
    IReadOnlyList<DateOnly> CalibrationOrigins,
    ForecastMetrics Model,
    ForecastMetrics SameWeekdayLastWeek,
    ForecastMetrics MeanOfLastFourSameWeekdays,
    IReadOnlyList<OriginMetrics> PerOrigin)
{
    /// <summary>The baseline with the lower WAPE.</summary>
    public ForecastMetrics BetterBaselineByWape =>
        SameWeekdayLastWeek.Wape <= MeanOfLastFourSameWeekdays.Wape ? SameWeekdayLastWeek : MeanOfLastFourSameWeekdays;

    /// <summary>The baseline with the lower pinball loss (the fallback when the model is not promoted).</summary>
    public ForecastMetrics BetterBaselineByPinball =>
        SameWeekdayLastWeek.PinballLoss <= MeanOfLastFourSameWeekdays.PinballLoss ? SameWeekdayLastWeek : MeanOfLastFourSameWeekdays;
}

/// <summary>Whether the model serves the forecast, or which baseline does instead and why.</summary>
public sealed record PromotionDecision(bool Promoted, string Method, string Reason);
