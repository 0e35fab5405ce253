using System.Diagnostics;
using System.Globalization;
using Serverless.Bench.Harness;
using Serverless.Forecasting.Backtesting;
using Serverless.Forecasting.Configuration;
using Serverless.Forecasting.Modeling;
using Serverless.Forecasting.Synthetic;

namespace Serverless.Bench.Forecasting;

/// <summary>
/// The built-in chain (10 stores, 12 items, daily since 2017-01-01): the model's rolling-origin
/// backtest against both naive baselines on the same origins and days, each method ordering at its
/// own calibrated quantile. Goals: WAPE at least 25% below the better baseline, pinball loss at the
/// service level at least 20% below, stock-out rate at most 7%, at least 8 weekly origins.
/// </summary>
public sealed class ForecastBacktestBenchmark : IBenchmark
{
    public string Name => "forecast-backtest";

    public string Description => "Weekly demand model vs two naive baselines on the built-in chain: WAPE, pinball, stock-out rate, over-stock.";

    public Task<BenchmarkReport> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var end = DateOnly.Parse(context.GetString("end", "2026-11-22"), CultureInfo.InvariantCulture);
        var seed = context.GetInt("seed", 42);
        var chain = ChainGenerator.Generate(new GeneratorOptions { Seed = seed, End = end });
        var config = ForecastConfig.Default with
        {
            Backtest = ForecastConfig.Default.Backtest with { Origins = context.GetInt("origins", ForecastConfig.Default.Backtest.Origins) },
        };
        var runDate = end.AddDays(1);
        var clock = Stopwatch.StartNew();
        var histories = ChainHistories.Aggregate(chain, runDate, config);
        var aggregateSeconds = clock.Elapsed.TotalSeconds;
        context.Progress($"generated and aggregated {histories.Count} stores in {aggregateSeconds:0.0} s");
        clock.Restart();
        var model = ForecastTrainer.Train(histories, config, "bench", context.Progress);
        var trainSeconds = clock.Elapsed.TotalSeconds;
        var b = model.Info.Backtest;

        var metrics = new List<BenchmarkMetric>();
        foreach (var m in new[] { b.Model, b.SameWeekdayLastWeek, b.MeanOfLastFourSameWeekdays })
        {
            context.Progress($"{m.Method,-30} WAPE {m.Wape:0.000} MAE {m.Mae:0.00} SMAPE {m.Smape:0.000} bias {m.Bias:+0.000;-0.000} pinball {m.PinballLoss:0.000} stockout {m.StockOutRateVsRecorded:0.000} over {m.OverStockUnits:0}");
            metrics.Add(new BenchmarkMetric($"{m.Method}: WAPE", m.Wape, "", null));
            metrics.Add(new BenchmarkMetric($"{m.Method}: MAE", m.Mae, "units/day", null));
            metrics.Add(new BenchmarkMetric($"{m.Method}: SMAPE", m.Smape, "", "fraction in [0, 2]"));
            metrics.Add(new BenchmarkMetric($"{m.Method}: bias", m.Bias, "", "positive = over-forecast"));
            metrics.Add(new BenchmarkMetric($"{m.Method}: pinball loss at {b.ServiceLevel:0.##}", m.PinballLoss, "units/day", "of the order quantity"));
            metrics.Add(new BenchmarkMetric($"{m.Method}: stock-out rate at {b.ServiceLevel:0.##}", m.StockOutRateVsRecorded, "", "share of store-item-days with recorded sales above the order"));
            metrics.Add(new BenchmarkMetric($"{m.Method}: over-stock", m.OverStockUnits, "units", $"of {m.OrderedUnits:N0} ordered, {m.RecordedUnits:N0} sold"));
        }
        var betterWape = b.BetterBaselineByWape;
        var betterPinball = b.BetterBaselineByPinball;
        var wapeCut = 1 - b.Model.Wape / betterWape.Wape;
        var pinballCut = 1 - b.Model.PinballLoss / betterPinball.PinballLoss;
        var originsWon = b.PerOrigin.Count(o => o.Model.Wape < Math.Min(o.SameWeekdayLastWeek.Wape, o.MeanOfLastFourSameWeekdays.Wape)
            && o.Model.PinballLoss < Math.Min(o.SameWeekdayLastWeek.PinballLoss, o.MeanOfLastFourSameWeekdays.PinballLoss));
        metrics.Add(new BenchmarkMetric("WAPE reduction vs better baseline", wapeCut, "", betterWape.Method));
        metrics.Add(new BenchmarkMetric("pinball reduction vs better baseline", pinballCut, "", betterPinball.Method));
        metrics.Add(new BenchmarkMetric("origins where the model beats both on WAPE and pinball", originsWon, "", $"of {b.Origins.Count}"));
        metrics.Add(new BenchmarkMetric("store-item-days per method", b.Model.Days, "", $"{b.Origins.Count} weekly origins x 7 days"));
        metrics.Add(new BenchmarkMetric("generate + aggregate", aggregateSeconds, "s", null));
        metrics.Add(new BenchmarkMetric("train (backtest + final model)", trainSeconds, "s", $"{b.Origins.Count + b.CalibrationOrigins.Count} backtest models + final"));
        foreach (var o in b.PerOrigin)
        {
            metrics.Add(new BenchmarkMetric($"origin {o.Origin:yyyy-MM-dd}: WAPE model / last week / 4 weeks", o.Model.Wape, "",
                $"{o.SameWeekdayLastWeek.Wape:0.000} / {o.MeanOfLastFourSameWeekdays.Wape:0.000}; pinball {o.Model.PinballLoss:0.000} / {o.SameWeekdayLastWeek.PinballLoss:0.000} / {o.MeanOfLastFourSameWeekdays.PinballLoss:0.000}"));
        }
        context.Progress(model.Info.Promotion.Reason);

        var goalMet = wapeCut >= 0.25 && pinballCut >= 0.20 && b.Model.StockOutRateVsRecorded <= 0.07 && b.Origins.Count >= 8 && model.Info.Promotion.Promoted;
        var parameters = new Dictionary<string, string>
        {
            ["end"] = end.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["runDate"] = runDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
            ["origins"] = $"{b.Origins.Count} evaluated ({b.Origins[0]:yyyy-MM-dd} .. {b.Origins[^1]:yyyy-MM-dd}) + {b.CalibrationOrigins.Count} calibration",
            ["serviceLevel"] = b.ServiceLevel.ToString(CultureInfo.InvariantCulture),
            ["model"] = $"{config.Model.Trainer}, {config.Model.Iterations} iterations, {config.Model.Leaves} leaves, window {config.Model.TrainingWindowDays} days",
        };
        var comparison = $"model WAPE {b.Model.Wape:0.000} vs {betterWape.Method} {betterWape.Wape:0.000} ({wapeCut:P1} lower); "
            + $"pinball {b.Model.PinballLoss:0.000} vs {betterPinball.Method} {betterPinball.PinballLoss:0.000} ({pinballCut:P1} lower); "
            + $"stock-out rate {b.Model.StockOutRateVsRecorded:P1} vs {b.SameWeekdayLastWeek.StockOutRateVsRecorded:P1} / {b.MeanOfLastFourSameWeekdays.StockOutRateVsRecorded:P1}, "
            + $"over-stock {b.Model.OverStockUnits:N0} vs {b.SameWeekdayLastWeek.OverStockUnits:N0} / {b.MeanOfLastFourSameWeekdays.OverStockUnits:N0} units. {model.Info.Promotion.Reason}";
        return Task.FromResult(new BenchmarkReport(Name, metrics, parameters, comparison, goalMet,
            "WAPE >= 25% below the better baseline, pinball >= 20% below, stock-out rate at 0.95 <= 7%, >= 8 weekly origins, model promoted"));
    }
}
