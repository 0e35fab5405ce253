using System.Security.Cryptography;
using System.Text;
using Serverless.Forecasting.Aggregation;
using Serverless.Forecasting.Backtesting;
using Serverless.Forecasting.Configuration;
using Serverless.Forecasting.Features;

namespace Serverless.Forecasting.Modeling;

/// <summary>
/// The train step: a rolling-origin backtest (a fresh model per origin, trained only on data before
/// it), quantile calibration from the out-of-sample errors, the promotion decision against both
/// naive baselines, and the final model trained on everything before the run date.
/// </summary>
public static class ForecastTrainer
{
    public const string ModelMethod = "model";

    private static readonly string LastWeekName = NaiveBaselines.NameOf(NaiveBaseline.SameWeekdayLastWeek);
    private static readonly string FourWeekName = NaiveBaselines.NameOf(NaiveBaseline.MeanOfLastFourSameWeekdays);

    /// <param name="histories">Aggregated histories of every store, all with the same run date.</param>
    /// <param name="codeVersion">Recorded in the model's manifest.</param>
    /// <param name="progress">Optional progress lines.</param>
    public static ForecastModel Train(IReadOnlyList<StoreHistory> histories, ForecastConfig config, string codeVersion = "local", Action<string>? progress = null)
    {
        config.EnsureValid("config", histories.Select(h => h.StoreId));
        var selected = Select(histories, config);
        var runDate = selected[0].RunDate;
        var dataHash = StoreHistorySerializer.ContentHash(selected);
        var vocabulary = FeatureVocabulary.From(selected);
        var (calibrationOrigins, origins) = Origins(runDate, config);
        var allOrigins = calibrationOrigins.Concat(origins).ToArray();
        EnsureEnoughHistory(selected, runDate, allOrigins[0], config);

        // One job per origin plus the final model. Each trains single-threaded (identical trees
        // everywhere), and the jobs run side by side on all cores.
        var jobs = allOrigins.Select(o => (DateOnly?)o).Append(null).ToArray();
        var outcomes = new OriginOutcome?[jobs.Length];
        GbmRegressor? final = null;
        PooledSeasonality? seasonality = null;
        var finalRows = 0;
        var done = 0;
        Parallel.For(0, jobs.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, j =>
        {
            var timing = new JobTiming();
            if (jobs[j] is { } origin)
            {
                outcomes[j] = RunOrigin(selected, origin, vocabulary, config, timing);
            }
            else
            {
                var pool = timing.Time(JobTiming.Features, () => PooledLevels.Build(selected));
                var set = timing.Time(JobTiming.Features, () => BuildTrainingSet(selected, vocabulary, config, pool));
                finalRows = set.Count;
                // The predict step sees one store at a time: the other stores' part of the features goes with the model.
                seasonality = PooledSeasonality.Capture(pool, vocabulary.Items, runDate, config.LeadTimeDays, config.HorizonDays);
                final = timing.Time(JobTiming.Fit, () => GbmRegressor.Train(set, config.Model));
            }
            progress?.Invoke($"trained {Interlocked.Increment(ref done)}/{jobs.Length} models ({(jobs[j] is { } o ? $"origin {o:yyyy-MM-dd}" : "final")}: {timing})");
        });

        var samples = outcomes.Take(allOrigins.Length).Select(o => o!).ToList();
        var backtest = Evaluate(samples, allOrigins, calibrationOrigins.Length, config);
        var calibrators = new Dictionary<string, QuantileCalibrator>(StringComparer.Ordinal)
        {
            [ModelMethod] = Calibrate(samples, s => s.Model, config),
            [LastWeekName] = Calibrate(samples, s => s.LastWeek, config),
            [FourWeekName] = Calibrate(samples, s => s.FourWeekMean, config),
        };
        var promotion = Decide(backtest);
        var info = new ModelInfo(
            Version(dataHash, config, codeVersion), FeatureSet.Version, runDate, dataHash, codeVersion, config,
            finalRows, vocabulary, calibrators, backtest, promotion, seasonality);
        return new ForecastModel(info, final!);
    }

    /// <summary>The stores the config asks for (all when it lists none), in store order.</summary>
    internal static List<StoreHistory> Select(IReadOnlyList<StoreHistory> histories, ForecastConfig config)
    {
        if (histories.Count == 0) throw new ArgumentException("no store histories to train on", nameof(histories));
        var runDates = histories.Select(h => h.RunDate).Distinct().ToList();
        if (runDates.Count != 1) throw new ArgumentException($"histories have different run dates: {string.Join(", ", runDates)}", nameof(histories));
        var wanted = config.Stores.Count == 0 ? null : config.Stores.ToHashSet(StringComparer.Ordinal);
        var selected = histories.Where(h => wanted is null || wanted.Contains(h.StoreId)).OrderBy(h => h.StoreId, StringComparer.Ordinal).ToList();
        foreach (var h in selected)
        {
            if (h.FutureDays < config.FutureDays)
                throw new ArgumentException($"store '{h.StoreId}': history carries {h.FutureDays} future days; lead time + horizon need {config.FutureDays}");
        }
        return selected;
    }

    /// <summary>Weekly origins; the last one's target week ends the day before the run date.</summary>
    internal static (DateOnly[] Calibration, DateOnly[] Evaluated) Origins(DateOnly runDate, ForecastConfig config)
    {
        var last = runDate.AddDays(-config.FutureDays);
        var total = config.Backtest.CalibrationOrigins + config.Backtest.Origins;
        var all = Enumerable.Range(0, total).Select(k => last.AddDays(-7 * (total - 1 - k))).ToArray();
        return (all[..config.Backtest.CalibrationOrigins], all[config.Backtest.CalibrationOrigins..]);
    }

    /// <summary>Days of sales the earliest backtest origin needs before it: a level window, one target week and a week of rows.</summary>
    internal static int MinimumDaysBeforeFirstOrigin(ForecastConfig config) => FeatureSet.LevelDays + config.FutureDays + 7;

    /// <summary>A run date too close to the start of the data is a clear error, not an empty training set.</summary>
    private static void EnsureEnoughHistory(List<StoreHistory> selected, DateOnly runDate, DateOnly firstOrigin, ForecastConfig config)
    {
        var start = selected.Min(h => h.Start);
        var needFrom = firstOrigin.AddDays(-MinimumDaysBeforeFirstOrigin(config));
        if (start <= needFrom) return;
        throw new ArgumentException(
            $"run date {runDate:yyyy-MM-dd} is too early for the data, which starts {start:yyyy-MM-dd}: the backtest's first origin " +
            $"{firstOrigin:yyyy-MM-dd} needs sales from {needFrom:yyyy-MM-dd} on ({runDate.DayNumber - needFrom.DayNumber} days before the run date); " +
            "choose a later run date or fewer backtest origins (backtest.origins, backtest.calibrationOrigins).");
    }

    /// <summary>Days of history a model needs before its cut-off: training window plus the longest feature look-back.</summary>
    internal static int KeepDays(ForecastConfig config) => config.HistoryDaysPerModel;

    private static OriginOutcome RunOrigin(List<StoreHistory> full, DateOnly origin, FeatureVocabulary vocabulary, ForecastConfig config, JobTiming timing)
    {
        var truncated = timing.Time(JobTiming.Features, () => AsOf(full, origin, config));
        var pool = timing.Time(JobTiming.Features, () => PooledLevels.Build(truncated));
        var set = timing.Time(JobTiming.Features, () => BuildTrainingSet(truncated, vocabulary, config, pool));
        if (set.Count == 0)
        {
            throw new ArgumentException($"backtest origin {origin:yyyy-MM-dd}: no training rows before it (too little clean history); choose a later run date or fewer backtest origins.");
        }
        var model = timing.Time(JobTiming.Fit, () => GbmRegressor.Train(set, config.Model));
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var samples = new List<Sample>();
        foreach (var history in truncated)
        {
            var actual = full.First(h => h.StoreId == history.StoreId);
            var points = SeriesForecaster.Forecast(history, model, vocabulary, pool, config.LeadTimeDays, config.HorizonDays);
            foreach (var p in points)
            {
                var item = actual.IndexOf(history.Items[p.Item]);
                for (var h = 0; h < config.HorizonDays; h++)
                {
                    var day = actual.DayOf(origin.AddDays(config.LeadTimeDays + h));
                    if (day < actual.FirstDay(item)) continue;  // not launched yet: no demand to score
                    samples.Add(new Sample(actual.Sales(item)[day], p.Model[h], p.LastWeek[h], p.FourWeekMean[h]));
                }
            }
        }
        timing.Add(JobTiming.Forecast, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        return new OriginOutcome(origin, samples);
    }

    /// <summary>Where one training job's time went, for progress lines only (never part of an output).</summary>
    private sealed class JobTiming
    {
        public const int Features = 0, Fit = 1, Forecast = 2;
        private readonly TimeSpan[] _spent = new TimeSpan[3];

        public T Time<T>(int part, Func<T> work)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var result = work();
            Add(part, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            return result;
        }

        public void Add(int part, TimeSpan spent) => _spent[part] += spent;

        public override string ToString() => System.FormattableString.Invariant(
            $"features {_spent[Features].TotalSeconds:0.0} s, fit {_spent[Fit].TotalSeconds:0.0} s, forecast {_spent[Forecast].TotalSeconds:0.0} s");
    }

    /// <summary>
    /// The histories as the job would have seen them on <paramref name="origin"/>: truncated copies
    /// in which nothing on or after the origin exists, and whose temperature from the origin on is an
    /// outlook made that day (<see cref="TemperatureOutlook"/>), not what was later observed. Prices
    /// ahead stay: promotions and price changes are planned weeks in advance. Each backtest origin
    /// trains and forecasts on these.
    /// </summary>
    internal static List<StoreHistory> AsOf(IEnumerable<StoreHistory> full, DateOnly origin, ForecastConfig config) =>
        full.Where(h => h.Start < origin).Select(h =>
        {
            var truncated = h.TruncateTo(origin, config.FutureDays, KeepDays(config));
            TemperatureOutlook.ReplaceFrom(truncated.RawTemperature, truncated.HistoryDays);
            return truncated;
        }).ToList();

    /// <param name="pool">The pooled levels of <paramref name="histories"/>; built here when not given.</param>
    internal static TrainingSet BuildTrainingSet(IReadOnlyList<StoreHistory> histories, FeatureVocabulary vocabulary, ForecastConfig config, LevelPool? pool = null)
    {
        pool ??= PooledLevels.Build(histories);
        var settings = config.Model;
        long candidates = 0;
        foreach (var h in histories) candidates += (long)h.Items.Count * Math.Min(settings.TrainingWindowDays, h.HistoryDays);
        var keep = Math.Min(1.0, (double)settings.MaxTrainingRows / Math.Max(1, candidates));
        var set = new TrainingSet(FeatureSet.Count);
        var buffer = new float[FeatureSet.Count];
        var seed = StableHash.Of(settings.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var history in histories)
        {
            var cutoff = history.HistoryDays;
            for (var item = 0; item < history.Items.Count; item++)
            {
                var window = new SeriesWindow(history, item);
                var sales = history.Sales(item);
                var seriesHash = StableHash.Of(history.StoreId + "\u001f" + history.Items[item], seed);
                for (var t = Math.Max(0, cutoff - settings.TrainingWindowDays); t < cutoff; t++)
                {
                    // Sold-out days record less than demand: leave them out of training.
                    if (!window.IsClean(t)) continue;
                    var dateHash = StableHash.Combine(seriesHash, history.DateOf(t).DayNumber);
                    if (keep < 1 && StableHash.Unit(dateHash) >= keep) continue;
                    // Direct strategy: each row plays one horizon of the target week, spread evenly.
                    var horizon = config.LeadTimeDays + (int)(StableHash.Combine(dateHash, 7) % (ulong)config.HorizonDays);
                    var origin = t - horizon;
                    if (origin <= window.FirstDay) continue;
                    if (!FeatureSet.TryBuild(window, vocabulary, pool, origin, t, buffer, out var scale)) continue;
                    set.Add(buffer, sales[t] / scale, scale);
                }
            }
        }
        return set;
    }

    private static BacktestReport Evaluate(List<OriginOutcome> outcomes, DateOnly[] origins, int calibrationCount, ForecastConfig config)
    {
        var level = config.ServiceLevel;
        var model = new List<(double, double, double)>();
        var last = new List<(double, double, double)>();
        var four = new List<(double, double, double)>();
        var perOrigin = new List<OriginMetrics>();
        for (var k = calibrationCount; k < outcomes.Count; k++)
        {
            var origin = origins[k];
            // Only errors of target weeks that had ended before this origin: the job would have known them.
            var known = outcomes.Where(o => o.Origin.AddDays(config.FutureDays - 1) < origin).ToList();
            var cModel = Calibrate(known, s => s.Model, config);
            var cLast = Calibrate(known, s => s.LastWeek, config);
            var cFour = Calibrate(known, s => s.FourWeekMean, config);
            var m = outcomes[k].Samples.Select(s => (s.Actual, s.Model, (double)cModel.OrderQuantity(s.Model))).ToList();
            var l = outcomes[k].Samples.Select(s => (s.Actual, s.LastWeek, (double)cLast.OrderQuantity(s.LastWeek))).ToList();
            var f = outcomes[k].Samples.Select(s => (s.Actual, s.FourWeekMean, (double)cFour.OrderQuantity(s.FourWeekMean))).ToList();
            model.AddRange(m);
            last.AddRange(l);
            four.AddRange(f);
            perOrigin.Add(new OriginMetrics(origin,
                MetricsCalculator.Compute(ModelMethod, m, level),
                MetricsCalculator.Compute(LastWeekName, l, level),
                MetricsCalculator.Compute(FourWeekName, f, level)));
        }
        return new BacktestReport(level, origins[calibrationCount..], origins[..calibrationCount],
            MetricsCalculator.Compute(ModelMethod, model, level),
            MetricsCalculator.Compute(LastWeekName, last, level),
            MetricsCalculator.Compute(FourWeekName, four, level),
            perOrigin);
    }

    private static QuantileCalibrator Calibrate(IEnumerable<OriginOutcome> outcomes, Func<Sample, double> point, ForecastConfig config) =>
        QuantileCalibrator.Fit(outcomes.SelectMany(o => o.Samples).Select(s => (point(s), s.Actual)).ToList(),
            config.ServiceLevel, config.Backtest.CalibrationBuckets);

    /// <summary>The model serves only when it beats both baselines on WAPE and on pinball loss.</summary>
    internal static PromotionDecision Decide(BacktestReport backtest)
    {
        var m = backtest.Model;
        var baselines = new[] { backtest.SameWeekdayLastWeek, backtest.MeanOfLastFourSameWeekdays };
        var failures = baselines.SelectMany(b => new[]
        {
            m.Wape < b.Wape ? null : $"WAPE {m.Wape:0.0000} is not below {b.Method}'s {b.Wape:0.0000}",
            m.PinballLoss < b.PinballLoss ? null : $"pinball loss {m.PinballLoss:0.0000} is not below {b.Method}'s {b.PinballLoss:0.0000}",
        }).OfType<string>().ToList();
        if (failures.Count == 0)
        {
            var better = backtest.BetterBaselineByWape;
            return new PromotionDecision(true, ModelMethod,
                $"model beats both baselines: WAPE {m.Wape:0.0000} vs {better.Wape:0.0000} ({better.Method}), pinball {m.PinballLoss:0.0000} vs {backtest.BetterBaselineByPinball.PinballLoss:0.0000} ({backtest.BetterBaselineByPinball.Method})");
        }
        var fallback = backtest.BetterBaselineByPinball;
        return new PromotionDecision(false, fallback.Method,
            $"model not promoted ({string.Join("; ", failures)}); forecasts fall back to {fallback.Method}");
    }

    private static string Version(string dataHash, ForecastConfig config, string codeVersion)
    {
        var text = $"{FeatureSet.Version}|{dataHash}|{config.ToJson()}|{codeVersion}";
        return "fm-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }

    internal sealed record Sample(double Actual, double Model, double LastWeek, double FourWeekMean);

    internal sealed record OriginOutcome(DateOnly Origin, List<Sample> Samples);
}
