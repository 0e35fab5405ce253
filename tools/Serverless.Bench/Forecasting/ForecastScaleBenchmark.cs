using System.Diagnostics;
using System.Globalization;
using Serverless.Bench.Harness;
using Serverless.Forecasting.Aggregation;
using Serverless.Forecasting.Configuration;
using Serverless.Forecasting.Data;
using Serverless.Forecasting.Forecasts;
using Serverless.Forecasting.Import;
using Serverless.Forecasting.Modeling;
using Serverless.Forecasting.Proposals;
using Serverless.Forecasting.Review;
using Serverless.Forecasting.Synthetic;

namespace Serverless.Bench.Forecasting;

/// <summary>
/// The weekly forecast's library steps at scale: a synthetic chain of <c>stores</c> x <c>items</c>
/// (default 100 x 100, daily since 2017-01-01) written as CSV, imported and aggregated, trained
/// (backtest models plus the final one), predicted per store, reviewed and turned into proposals.
/// Time per stage and peak memory; the built-in chain (10 x 12) runs first in the same process as
/// the comparison.
/// </summary>
public sealed class ForecastScaleBenchmark : IBenchmark
{
    public string Name => "forecast-scale";

    public string Description => "Weekly forecast stages (generate, aggregate, train, predict, review, proposals) at 100 stores x 100 items vs the built-in 10 x 12 chain; time and peak memory.";

    public Task<BenchmarkReport> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var end = DateOnly.Parse(context.GetString("end", "2026-11-22"), CultureInfo.InvariantCulture);
        var seed = context.GetInt("seed", 42);
        var stores = context.GetInt("stores", 100);
        var items = context.GetInt("items", 100);
        var compare = context.GetString("compare", "true") == "true";

        var metrics = new List<BenchmarkMetric>();
        Run? small = null;
        if (compare)
        {
            small = RunOnce(context, "built-in", new GeneratorOptions { Seed = seed, End = end }, cancellationToken);
            Add(metrics, small, "10x12");
            // Start the large run from a clean heap so its figures are its own (peak working set stays process-wide).
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        }
        var large = RunOnce(context, "scale", new GeneratorOptions { Seed = seed, End = end, StoreCount = stores, ItemCount = items }, cancellationToken);
        var label = $"{stores}x{items}";
        Add(metrics, large, label);
        metrics.Add(new BenchmarkMetric($"{label}: Process.PeakWorkingSet64", large.ProcessPeakWorkingSetBytes / 1048576.0, "MiB", "whole process, after both runs"));

        string? comparison = null;
        if (small is not null)
        {
            var ratio = (double)large.Series / small.Series;
            comparison = $"{label} has {ratio:0.#}x the series of the built-in chain ({large.Series:N0} vs {small.Series:N0}) and {(double)large.Rows / small.Rows:0.#}x the rows; "
                + string.Join(", ", large.Stages.Select(s => $"{s.Name} {s.Seconds / Math.Max(1e-9, small.Stages.First(x => x.Name == s.Name).Seconds):0.#}x"))
                + $" the time; total {large.TotalSeconds:0.0} s vs {small.TotalSeconds:0.0} s.";
        }
        var parameters = new Dictionary<string, string>
        {
            ["end"] = end.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
            ["stores"] = stores.ToString(CultureInfo.InvariantCulture),
            ["items"] = items.ToString(CultureInfo.InvariantCulture),
            ["config"] = "ForecastConfig.Default (8 weekly origins + 3 calibration, 150 LightGBM iterations, <= 300k training rows)",
        };
        return Task.FromResult(new BenchmarkReport(Name, metrics, parameters, comparison));
    }

    private static void Add(List<BenchmarkMetric> metrics, Run run, string label)
    {
        foreach (var stage in run.Stages)
        {
            metrics.Add(new BenchmarkMetric($"{label}: {stage.Name}", stage.Seconds, "s", stage.Note));
        }
        metrics.Add(new BenchmarkMetric($"{label}: total", run.TotalSeconds, "s", $"{run.Series:N0} series, {run.Rows:N0} sales rows"));
        metrics.Add(new BenchmarkMetric($"{label}: peak working set", run.PeakWorkingSetBytes / 1048576.0, "MiB", "sampled every 20 ms during this run"));
        metrics.Add(new BenchmarkMetric($"{label}: peak managed heap", run.PeakManagedHeapBytes / 1048576.0, "MiB", "GC.GetTotalMemory sampled every 20 ms during this run"));
    }

    private static Run RunOnce(BenchmarkContext context, string name, GeneratorOptions options, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(context.WorkDirectory, name);
        var config = ForecastConfig.Default;
        var runDate = options.End.AddDays(1);
        var stages = new List<Stage>();
        using var sampler = new MemorySampler();
        using var self = Process.GetCurrentProcess();
        var cpuBefore = self.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        void Done(string stage, string note)
        {
            // CPU time of the whole process: other engineers' builds on the same cores inflate wall time, not this.
            self.Refresh();
            var cpu = (self.TotalProcessorTime - cpuBefore).TotalSeconds;
            cpuBefore = self.TotalProcessorTime;
            note = $"{note}; process CPU {cpu:0.0} s";
            stages.Add(new Stage(stage, clock.Elapsed.TotalSeconds, note));
            context.Progress($"{name}: {stage} {clock.Elapsed.TotalSeconds:0.0} s ({note}); peak working set so far {sampler.PeakWorkingSet / 1048576.0:0} MiB");
            clock.Restart();
            cancellationToken.ThrowIfCancellationRequested();
        }

        // generate: the synthetic chain written as the files the job imports.
        var chain = ChainGenerator.Generate(options);
        chain.WriteFiles(folder);
        var csvBytes = new FileInfo(Path.Combine(folder, "sales.csv")).Length;
        Done("generate", $"sales.csv {csvBytes / 1048576.0:0} MiB plus stock-outs, price plan, weather, catalogue");

        // aggregate: import every row (validated), then build per-store histories in one pass.
        var quarantine = new Quarantine();
        StockoutDays stockouts;
        using (var reader = new StreamReader(Path.Combine(folder, "stockouts.csv"))) stockouts = StockoutDays.ReadCsv(reader, "stockouts.csv");
        WeatherTable weather;
        using (var reader = new StreamReader(Path.Combine(folder, "weather.csv"))) weather = WeatherTable.ReadCsv(reader, "weather.csv");
        var plan = PricePlan.FromRecords(SalesCsvImporter.ReadFile(Path.Combine(folder, "price_plan.csv"), quarantine));
        var catalogue = Catalogue.FromJson(File.ReadAllText(Path.Combine(folder, "catalogue.json")), "catalogue.json");
        long rows = 0;
        var histories = StoreAggregator.AggregateAll(Counted(SalesCsvImporter.ReadFile(Path.Combine(folder, "sales.csv"), quarantine), () => rows++), runDate,
            new AggregationOptions
            {
                FutureDays = config.FutureDays,
                MaxHistoryDays = config.RequiredHistoryDays,
                Catalogue = catalogue,
                Weather = weather,
                PricePlan = plan,
                Stockouts = stockouts,
            });
        if (quarantine.Count > 0) throw new InvalidOperationException($"{quarantine.Count} generated rows were quarantined: {quarantine.Records[0]}");
        File.Delete(Path.Combine(folder, "sales.csv"));
        var series = histories.Sum(h => h.Items.Count);
        Done("aggregate", $"import {rows:N0} rows + {histories.Count} store histories of {config.RequiredHistoryDays} days");

        var model = ForecastTrainer.Train(histories, config, "bench", line => context.Progress($"{name}: {line}"));
        Done("train", $"{config.Backtest.Origins + config.Backtest.CalibrationOrigins} backtest models + final, {model.Info.TrainingRows:N0} final training rows, promoted: {model.Info.Promotion.Promoted}");

        var forecasts = new List<StoreForecast>(histories.Count);
        foreach (var history in histories) forecasts.Add(model.Predict(history));
        Done("predict", $"{histories.Count} stores one after another, {forecasts.Sum(f => f.Items.Count * f.Days):N0} store-item-days");

        var review = ForecastReviewer.Review(forecasts, histories.Select(StoreSeriesList.Of).ToList(), config.Review);
        Done("review", review.Summary);

        long bytes = 0;
        for (var s = 0; s < histories.Count; s++)
        {
            var proposal = OrderProposalBuilder.Build(forecasts[s], [], model.Info, StoreHistorySerializer.ContentHash(histories[s]), "bench");
            bytes += proposal.Csv.Length + proposal.Json.Length + proposal.ManifestJson.Length;
        }
        Done("proposals", $"{histories.Count} stores, CSV + JSON + manifest, {bytes / 1048576.0:0.0} MiB, store data hashed");

        self.Refresh();
        return new Run(stages, series, rows, self.PeakWorkingSet64, sampler.PeakWorkingSet, sampler.PeakManagedHeap);
    }

    private static IEnumerable<T> Counted<T>(IEnumerable<T> source, Action onEach)
    {
        foreach (var item in source)
        {
            onEach();
            yield return item;
        }
    }

    private sealed record Stage(string Name, double Seconds, string Note);

    /// <summary>Samples the working set and the managed heap every 20 ms on a background thread, keeping the maxima.</summary>
    private sealed class MemorySampler : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Thread _thread;
        private long _workingSet;
        private long _managed;

        public MemorySampler()
        {
            _thread = new Thread(() =>
            {
                while (!_stop.Token.WaitHandle.WaitOne(20)) Sample();
            }) { IsBackground = true, Name = "memory sampler" };
            Sample();
            _thread.Start();
        }

        public long PeakWorkingSet => Interlocked.Read(ref _workingSet);

        public long PeakManagedHeap => Interlocked.Read(ref _managed);

        private void Sample()
        {
            var ws = Environment.WorkingSet;
            var heap = GC.GetTotalMemory(forceFullCollection: false);
            if (ws > Interlocked.Read(ref _workingSet)) Interlocked.Exchange(ref _workingSet, ws);
            if (heap > Interlocked.Read(ref _managed)) Interlocked.Exchange(ref _managed, heap);
        }

        public void Dispose()
        {
            _stop.Cancel();
            _thread.Join();
            _stop.Dispose();
        }
    }

    private sealed record Run(List<Stage> Stages, int Series, long Rows, long ProcessPeakWorkingSetBytes, long PeakWorkingSetBytes, long PeakManagedHeapBytes)
    {
        public double TotalSeconds => Stages.Sum(s => s.Seconds);
    }
}
