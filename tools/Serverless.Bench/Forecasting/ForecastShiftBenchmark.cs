using System.Diagnostics;
using System.Globalization;
using Serverless.Bench.Harness;
using Serverless.Forecasting.Backtesting;
using Serverless.Forecasting.Configuration;
using Serverless.Forecasting.Modeling;
using Serverless.Forecasting.Synthetic;

namespace Serverless.Bench.Forecasting;

/// <summary>
/// The built-in chain with month-of-year seasonality (a drop of about 25% from late November into
/// December, every year) and a yearly trend, backtested over origins that straddle the drop: weeks
/// before it and the four target weeks that follow it. Goals: the model's WAPE in the four weeks
/// after the shift within 15% of its WAPE in stable weeks, and over all origins the goals of the
/// plain backtest (WAPE at least 25% below the better baseline, pinball at least 20% below,
/// stock-out rate at most 7%).
/// </summary>
public sealed class ForecastShiftBenchmark : IBenchmark
{
    private const int WeeksAfterShift = 4;

    public string Name => "forecast-shift";

    public string Description => "Weekly demand model on the built-in chain with a recurring late-November drop: WAPE in the 4 weeks after the shift vs stable weeks, and vs both naive baselines.";

    public Task<BenchmarkReport> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var end = DateOnly.Parse(context.GetString("end", "2026-12-20"), CultureInfo.InvariantCulture);
        var seed = context.GetInt("seed", 42);
        var seasonality = context.GetString("seasonality", "winter-drop") switch
        {
            "winter-drop" => SeasonalityOptions.WinterDrop,
            "none" => null,
            var other => throw new ArgumentException($"--set seasonality: expected winter-drop or none, found '{other}'"),
        };
        var compare = context.GetString("compare", "true") == "true" && seasonality is not null;
        // "none": sales only, as a plain date,store,item,sales file imported by a user (no catalogue, weather or price plan).
        var covariates = context.GetString("covariates", "all") switch
        {
            "all" => true,
            "none" => false,
            var other => throw new ArgumentException($"--set covariates: expected all or none, found '{other}'"),
        };
        var config = ForecastConfig.Default with
        {
            Backtest = ForecastConfig.Default.Backtest with { Origins = context.GetInt("origins", 12) },
        };
        var runDate = end.AddDays(1);

        var run = Measure(context, new GeneratorOptions { Seed = seed, End = end, Seasonality = seasonality }, config, seasonality ?? SeasonalityOptions.WinterDrop, covariates);
        var b = run.Backtest;
        // Same seed and weeks without the option: how much of the gap the season itself brings (lower volume in December, holidays, weather).
        var plain = compare ? Measure(context, new GeneratorOptions { Seed = seed, End = end }, config, SeasonalityOptions.WinterDrop, covariates) : null;

        var metrics = new List<BenchmarkMetric>();
        foreach (var m in new[] { b.Model, b.SameWeekdayLastWeek, b.MeanOfLastFourSameWeekdays })
        {
            context.Progress($"{m.Method,-30} WAPE {m.Wape:0.000} SMAPE {m.Smape:0.000} bias {m.Bias:+0.000;-0.000} pinball {m.PinballLoss:0.000} stockout {m.StockOutRateVsRecorded:0.000}");
            metrics.Add(new BenchmarkMetric($"all origins, {m.Method}: WAPE", m.Wape, "", null));
            metrics.Add(new BenchmarkMetric($"all origins, {m.Method}: SMAPE", m.Smape, "", "fraction in [0, 2]"));
            metrics.Add(new BenchmarkMetric($"all origins, {m.Method}: bias", m.Bias, "", "positive = over-forecast"));
            metrics.Add(new BenchmarkMetric($"all origins, {m.Method}: pinball loss at {b.ServiceLevel:0.##}", m.PinballLoss, "units/day", "of the order quantity"));
            metrics.Add(new BenchmarkMetric($"all origins, {m.Method}: stock-out rate at {b.ServiceLevel:0.##}", m.StockOutRateVsRecorded, "", "recorded sales above the order"));
        }
        foreach (var (label, group, weeks) in new[] { ("stable weeks", run.Stable, run.StableWeeks.Count), ($"{WeeksAfterShift} weeks after the shift", run.After, run.AfterWeeks.Count) })
        {
            foreach (var g in group)
            {
                metrics.Add(new BenchmarkMetric($"{label}, {g.Method}: WAPE", g.Wape, "",
                    $"SMAPE {g.Smape:0.000}, bias {g.Bias:+0.000;-0.000}, pinball {g.PinballLoss:0.000}, stock-out {g.StockOutRateVsRecorded:P1}, {weeks} weeks"));
            }
        }
        var ratio = run.After[0].Wape / run.Stable[0].Wape;
        var betterWape = b.BetterBaselineByWape;
        var betterPinball = b.BetterBaselineByPinball;
        var wapeCut = 1 - b.Model.Wape / betterWape.Wape;
        var pinballCut = 1 - b.Model.PinballLoss / betterPinball.PinballLoss;
        metrics.Add(new BenchmarkMetric("model WAPE after the shift / stable", ratio, "", "goal <= 1.15"));
        for (var k = 1; k < 3; k++)
        {
            metrics.Add(new BenchmarkMetric($"{run.After[k].Method} WAPE after the shift / stable", run.After[k].Wape / run.Stable[k].Wape, "", null));
        }
        if (plain is not null)
        {
            metrics.Add(new BenchmarkMetric("same weeks, chain without the option: model WAPE stable / after / ratio", plain.After[0].Wape / plain.Stable[0].Wape, "",
                $"{plain.Stable[0].Wape:0.000} / {plain.After[0].Wape:0.000}; baselines' ratios {plain.After[1].Wape / plain.Stable[1].Wape:0.000} / {plain.After[2].Wape / plain.Stable[2].Wape:0.000}; all origins model WAPE {plain.Backtest.Model.Wape:0.000} vs {plain.Backtest.BetterBaselineByWape.Wape:0.000}"));
        }
        metrics.Add(new BenchmarkMetric("WAPE reduction vs better baseline", wapeCut, "", betterWape.Method));
        metrics.Add(new BenchmarkMetric("pinball reduction vs better baseline", pinballCut, "", betterPinball.Method));
        metrics.Add(new BenchmarkMetric("generate + aggregate", run.AggregateSeconds, "s", null));
        metrics.Add(new BenchmarkMetric("train (backtest + final model)", run.TrainSeconds, "s", $"{b.Origins.Count + b.CalibrationOrigins.Count} backtest models + final"));
        foreach (var o in b.PerOrigin)
        {
            var start = o.Origin.AddDays(config.LeadTimeDays);
            var kind = run.AfterWeeks.Contains(o.Origin) ? "after the shift" : run.StableWeeks.Contains(o.Origin) ? "stable" : "other";
            metrics.Add(new BenchmarkMetric($"week {start:yyyy-MM-dd} ({kind}): WAPE model / last week / 4 weeks", o.Model.Wape, "",
                $"{o.SameWeekdayLastWeek.Wape:0.000} / {o.MeanOfLastFourSameWeekdays.Wape:0.000}; SMAPE model {o.Model.Smape:0.000}; bias {o.Model.Bias:+0.000;-0.000}"));
        }
        context.Progress($"model WAPE stable {run.Stable[0].Wape:0.000}, after the shift {run.After[0].Wape:0.000} (x{ratio:0.000})");
        context.Progress(run.Promotion.Reason);

        var goalMet = ratio <= 1.15 && wapeCut >= 0.25 && pinballCut >= 0.20 && b.Model.StockOutRateVsRecorded <= 0.07 && run.Promotion.Promoted;
        var parameters = new Dictionary<string, string>
        {
            ["end"] = end.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["runDate"] = runDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
            ["seasonality"] = seasonality is null ? "none" : $"month factors {string.Join(" ", seasonality.MonthFactors.Select(f => f.ToString("0.00", CultureInfo.InvariantCulture)))}, transition {seasonality.TransitionDays} days, trend {seasonality.YearlyTrend:P0} a year",
            ["covariates"] = covariates ? "catalogue, weather, price plan" : "none (sales only)",
            ["shifts"] = string.Join(", ", run.Shifts.Select(s => s.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))),
            ["origins"] = $"{b.Origins.Count} evaluated ({b.Origins[0]:yyyy-MM-dd} .. {b.Origins[^1]:yyyy-MM-dd}; {run.StableWeeks.Count} stable, {run.AfterWeeks.Count} after the shift) + {b.CalibrationOrigins.Count} calibration",
            ["model"] = $"{config.Model.Trainer}, {config.Model.Iterations} iterations, {config.Model.Leaves} leaves, window {config.Model.TrainingWindowDays} days, features {run.FeatureSetVersion}",
        };
        var comparison = $"model WAPE {run.Stable[0].Wape:0.000} in stable weeks, {run.After[0].Wape:0.000} in the {WeeksAfterShift} weeks after the shift (x{ratio:0.000}); "
            + (plain is null ? "" : $"the same weeks of the chain without the option: x{plain.After[0].Wape / plain.Stable[0].Wape:0.000}; ")
            + $"over all origins WAPE {b.Model.Wape:0.000} vs {betterWape.Method} {betterWape.Wape:0.000} ({wapeCut:P1} lower), "
            + $"pinball {b.Model.PinballLoss:0.000} vs {betterPinball.Method} {betterPinball.PinballLoss:0.000} ({pinballCut:P1} lower), "
            + $"stock-out rate {b.Model.StockOutRateVsRecorded:P1}. {run.Promotion.Reason}";
        return Task.FromResult(new BenchmarkReport(Name, metrics, parameters, comparison, goalMet,
            "model WAPE in the 4 weeks after the shift <= 1.15 x stable weeks; WAPE >= 25% below the better baseline, pinball >= 20% below, stock-out rate at 0.95 <= 7%, model promoted"));
    }

    private sealed record Outcome(
        BacktestReport Backtest, PromotionDecision Promotion, string FeatureSetVersion, IReadOnlyList<DateOnly> Shifts,
        HashSet<DateOnly> StableWeeks, HashSet<DateOnly> AfterWeeks, ForecastMetrics[] Stable, ForecastMetrics[] After,
        double AggregateSeconds, double TrainSeconds);

    /// <summary>Generates, aggregates and trains one chain, and splits its backtest weeks into stable ones and those after a shift.</summary>
    private static Outcome Measure(BenchmarkContext context, GeneratorOptions generator, ForecastConfig config, SeasonalityOptions shiftsOf, bool covariates)
    {
        var chain = ChainGenerator.Generate(generator);
        var runDate = generator.End.AddDays(1);
        var clock = Stopwatch.StartNew();
        var histories = ChainHistories.Aggregate(chain, runDate, config, covariates);
        var aggregateSeconds = clock.Elapsed.TotalSeconds;
        context.Progress($"{(generator.Seasonality is null ? "without" : "with")} the seasonality option: generated and aggregated {histories.Count} stores in {aggregateSeconds:0.0} s");
        clock.Restart();
        var model = ForecastTrainer.Train(histories, config, "bench", context.Progress);
        var trainSeconds = clock.Elapsed.TotalSeconds;
        var b = model.Info.Backtest;

        // After a shift: the first four target weeks that hold a day on or after its start.
        var weeks = b.PerOrigin.Select(o => (o.Origin, Start: o.Origin.AddDays(config.LeadTimeDays), End: o.Origin.AddDays(config.FutureDays - 1))).ToList();
        var shifts = shiftsOf.ShiftStarts(weeks[0].Start.AddDays(-70), weeks[^1].End);
        var after = new HashSet<DateOnly>();
        foreach (var shift in shifts)
        {
            foreach (var w in weeks.Where(w => w.End >= shift).OrderBy(w => w.Start).Take(WeeksAfterShift)) after.Add(w.Origin);
        }
        // Stable: not after a shift, and no day in a shift's transition or the five weeks from its start.
        var stable = weeks.Where(w => !after.Contains(w.Origin) && shifts.All(s => w.End < s || w.Start >= s.AddDays(35))).Select(w => w.Origin).ToHashSet();
        ForecastMetrics[] Group(HashSet<DateOnly> origins) =>
        [
            MetricsCalculator.Combine(b.Model.Method, b.PerOrigin.Where(o => origins.Contains(o.Origin)).Select(o => o.Model)),
            MetricsCalculator.Combine(b.SameWeekdayLastWeek.Method, b.PerOrigin.Where(o => origins.Contains(o.Origin)).Select(o => o.SameWeekdayLastWeek)),
            MetricsCalculator.Combine(b.MeanOfLastFourSameWeekdays.Method, b.PerOrigin.Where(o => origins.Contains(o.Origin)).Select(o => o.MeanOfLastFourSameWeekdays)),
        ];
        return new Outcome(b, model.Info.Promotion, model.Info.FeatureSetVersion, shifts, stable, after, Group(stable), Group(after), aggregateSeconds, trainSeconds);
    }
}
