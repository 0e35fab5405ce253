using System.Diagnostics;
using Serverless.Bench.Harness;
using Serverless.Forecasting.Aggregation;
using Serverless.Forecasting.Configuration;
using Serverless.Forecasting.Modeling;
using Serverless.Forecasting.Synthetic;

namespace Serverless.Bench.Forecasting;

/// <summary>
/// The built-in chain (10 stores, 12 items, daily since 2017-01-01): the model's rolling-origin
/// backtest against both naive baselines, each with its own calibrated order quantity.
/// </summary>
public sealed class ForecastBacktestBenchmark : IBenchmark
{
    public string Name => "forecast-backtest";

    public string Description => "Weekly demand model vs two naive baselines on the built-in chain: WAPE, pinball, stock-out rate, over-stock.";

    public Task<BenchmarkReport> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var end = DateOnly.Parse(context.GetString("end", "2026-11-22"), System.Globalization.CultureInfo.InvariantCulture);
        var seed = context.GetInt("seed", 42);
        var chain = ChainGenerator.Generate(new GeneratorOptions { Seed = seed, End = end });
        var config = ForecastConfig.Default;
        var runDate = end.AddDays(1);
        var total = Stopwatch.StartNew();
        var histories = StoreAggregator.AggregateAll(chain.Records(), runDate, new AggregationOptions
        {
            FutureDays = config.FutureDays,
            MaxHistoryDays = config.RequiredHistoryDays,
            Catalogue = chain.Catalogue,
            Weather = chain.Weather,
            PricePlan = chain.BuildPricePlan(),
        });
        context.Progress($"aggregated {histories.Count} stores in {total.Elapsed.TotalSeconds:0.0} s");
        var model = ForecastTrainer.Train(histories, config, "bench", context.Progress);
        context.Progress($"trained in {total.Elapsed.TotalSeconds:0.0} s");
        var b = model.Info.Backtest;
        foreach (var m in new[] { b.Model, b.SameWeekdayLastWeek, b.MeanOfLastFourSameWeekdays })
        {
            context.Progress($"{m.Method,-30} WAPE {m.Wape:0.000} MAE {m.Mae:0.00} SMAPE {m.Smape:0.000} bias {m.Bias:0.000} pinball {m.PinballLoss:0.000} stockout {m.StockOutRateVsRecorded:0.000} over {m.OverStockUnits:0}");
        }
        context.Progress(model.Info.Promotion.Reason);
        return Task.FromResult(new BenchmarkReport(Name, [], new Dictionary<string, string>()));
    }
}
