using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Bench.Harness;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Durable.Embedded;
using Serverless.Forecasting.Aggregation;
using Serverless.Forecasting.Configuration;
using Serverless.Forecasting.Modeling;
using Serverless.Forecasting.Review;
using Serverless.Forecasting.Synthetic;
using Serverless.Storage.Blobs;
using Serverless.Workflows;
using Serverless.Workflows.Forecasting;

namespace Serverless.Bench.Forecasting;

/// <summary>
/// The main job end to end as <c>serverless run</c> does it on a fresh clone: generate the built-in data
/// into the local blob store, then WeeklyForecast on the durable (SQLite) embedded engine with automatic
/// approval, to ten published store files. Time of each stage from the instance's history. In the same
/// run, the same library steps called directly in one process (no engine, no blobs, no files) show what
/// the orchestration costs on top of the work.
/// </summary>
public sealed class ForecastEndToEndBenchmark : IBenchmark
{
    public string Name => "forecast-e2e";

    public string Description => "Main job end to end (data, prepare, aggregate, train, predict, review, publish) on the durable engine vs the same library steps called directly.";

    public async Task<BenchmarkReport> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var end = DateOnly.Parse(context.GetString("end", "2026-11-22"), CultureInfo.InvariantCulture);
        var runDate = end.AddDays(1);
        var generator = new GeneratorOptions
        {
            Seed = context.GetInt("seed", 42),
            End = end,
            StoreCount = context.GetInt("stores", 10),
            ItemCount = context.GetInt("items", 12),
        };
        var compare = context.GetString("compare", "true") == "true";
        var root = context.WorkDirectory;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Serverless:Storage:Blobs"] = "file:" + Path.Combine(root, "blobs"),
            ["Serverless:Storage:Documents"] = "sqlite:" + Path.Combine(root, "documents.db"),
            ["Serverless:Storage:Notifications"] = "file:" + Path.Combine(root, "notifications.jsonl"),
        }).Build();
        await using var services = new ServiceCollection().AddServerlessWorkflows(configuration, root).BuildServiceProvider();
        var blobs = services.GetRequiredService<IBlobStore>();

        var total = Stopwatch.StartNew();
        var (manifest, _) = await ForecastMainJob.EnsureBuiltinDataAsync(blobs, runDate, runDate, generator, cancellationToken);
        var dataSeconds = total.Elapsed.TotalSeconds;
        context.Progress($"generated {manifest.Rows:N0} rows in {dataSeconds:0.0} s");

        await using var engine = new EmbeddedEngine(WorkflowCatalog.Create(), new EmbeddedEngineOptions
        {
            DatabasePath = Path.Combine(root, "engine.db"),
            PollInterval = TimeSpan.FromMilliseconds(100),
        }, services);
        await engine.StartAsync(cancellationToken);
        var run = Stopwatch.StartNew();
        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(WeeklyForecastOrchestrator.Name,
            new WeeklyForecastInput(ForecastArtifacts.Date(runDate)), cancellation: cancellationToken);
        await engine.Client.RaiseEventAsync(id, WeeklyForecastOrchestrator.ReviewEvent, ForecastMainJob.AutomaticApproval, cancellationToken);
        var state = await engine.Client.WaitForInstanceCompletionAsync(id, true, cancellationToken);
        var orchestrationSeconds = run.Elapsed.TotalSeconds;
        var totalSeconds = total.Elapsed.TotalSeconds;
        if (state.RuntimeStatus != OrchestrationRuntimeStatus.Completed)
        {
            throw new InvalidOperationException($"the run ended {state.RuntimeStatus}: {state.FailureDetails?.ErrorMessage}");
        }
        var output = state.ReadOutputAs<WeeklyForecastOutput>()!;
        var stages = ForecastMainJob.StageTimes(await engine.Client.GetHistoryAsync(id, cancellationToken));
        context.Progress($"orchestration {orchestrationSeconds:0.0} s: " + string.Join(", ", stages.Select(s => $"{s.Stage} {s.Time.TotalSeconds:0.00} s")));

        var metrics = new List<BenchmarkMetric>
        {
            new("main job end to end", totalSeconds, "s", "data generation + WeeklyForecast to published store files"),
            new("generate built-in data", dataSeconds, "s", $"{manifest.Rows:N0} rows, {manifest.Stores.Count} stores x {manifest.Items} items"),
            new("WeeklyForecast (durable engine)", orchestrationSeconds, "s", "schedule to completed"),
        };
        metrics.AddRange(stages.Select(s => new BenchmarkMetric($"  stage {s.Stage}", s.Time.TotalSeconds, "s", s.Activities > 1 ? $"{s.Activities} activities" : null)));
        var accounted = stages.Sum(s => s.Time.TotalSeconds);
        metrics.Add(new BenchmarkMetric("  engine, notifications and waits between stages", orchestrationSeconds - accounted, "s"));
        metrics.Add(new BenchmarkMetric("published store files", output.Published.Count, "files", $"{output.Published.Sum(p => p.Units):N0} units"));
        metrics.Add(new BenchmarkMetric("model WAPE / better baseline WAPE", output.Model.Backtest[0].Wape / output.Model.Backtest.Skip(1).Min(b => b.Wape), "ratio", output.Model.Promoted ? "promoted" : "not promoted"));

        string? comparison = null;
        if (compare)
        {
            var direct = Direct(generator, runDate, context);
            metrics.Add(new BenchmarkMetric("same steps called directly (library only)", direct.Total, "s", $"aggregate {direct.Aggregate:0.00} s, train {direct.Train:0.00} s, predict + review {direct.Predict:0.00} s"));
            metrics.Add(new BenchmarkMetric("backtest WAPE, orchestrated / direct", output.Model.Backtest[0].Wape / direct.Wape, "ratio", "1 = the orchestration's partitions and blobs give the model the same data"));
            var trainSeconds = stages.FirstOrDefault(s => s.Stage == "train").Time.TotalSeconds;
            comparison = $"the same aggregate, train, predict and review steps called directly in one process took {direct.Total:0.0} s "
                + $"(train {direct.Train:0.0} s) against {orchestrationSeconds:0.0} s for the orchestration (train {trainSeconds:0.0} s); "
                + $"outside training, {orchestrationSeconds - trainSeconds:0.0} s orchestrated (CSV import and partitions, blobs, manifests, engine) against {direct.Total - direct.Train:0.0} s direct.";
        }
        return new BenchmarkReport(Name, metrics, new Dictionary<string, string>
        {
            ["end"] = ForecastArtifacts.Date(end),
            ["runDate"] = ForecastArtifacts.Date(runDate),
            ["stores x items"] = $"{generator.StoreCount} x {generator.ItemCount}",
            ["engine"] = "embedded, SQLite file (WAL), local file blob store",
            ["config"] = "ForecastConfig.Default (8 weekly origins + 3 calibration, 150 LightGBM iterations)",
        }, comparison, GoalMet: totalSeconds < 60, GoalText: "the main job end to end under 60 s on this 2-core machine");
    }

    /// <summary>The library steps on the same data without the engine: aggregate all, train, predict each store, review.</summary>
    private static (double Aggregate, double Train, double Predict, double Total, double Wape) Direct(GeneratorOptions generator, DateOnly runDate, BenchmarkContext context)
    {
        var chain = ChainGenerator.Generate(generator);
        var config = ForecastConfig.Default;
        var clock = Stopwatch.StartNew();
        var histories = StoreAggregator.AggregateAll(chain.Records(), runDate, new AggregationOptions
        {
            FutureDays = config.FutureDays,
            MaxHistoryDays = config.RequiredHistoryDays,
            Catalogue = chain.Catalogue,
            Weather = chain.Weather,
            PricePlan = chain.BuildPricePlan(),
        });
        var aggregate = clock.Elapsed.TotalSeconds;
        var model = ForecastTrainer.Train(histories, config, "bench");
        var train = clock.Elapsed.TotalSeconds - aggregate;
        var forecasts = histories.Select(model.Predict).ToList();
        ForecastReviewer.Review(forecasts, histories.Select(StoreSeriesList.Of).ToList(), config.Review);
        var total = clock.Elapsed.TotalSeconds;
        context.Progress($"direct: aggregate {aggregate:0.00} s, train {train:0.00} s, predict + review {total - aggregate - train:0.00} s");
        return (aggregate, train, total - aggregate - train, total, model.Info.Backtest.Model.Wape);
    }
}
