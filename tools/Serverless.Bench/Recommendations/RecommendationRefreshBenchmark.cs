using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Bench.Harness;
using Serverless.Durable;
using Serverless.Durable.Embedded;
using Serverless.Workflows;
using Serverless.Workflows.Recommendations;

namespace Serverless.Bench.Recommendations;

/// <summary>
/// RecommendationRefresh on the built-in settings (two services on the built-in data) as a fresh clone runs it:
/// embedded engine on a SQLite file, local blob and document stores. Three runs in one process, each timed from
/// schedule to completion: the first refresh with the search (nothing in service, so the gate compares with
/// popularity), a second refresh on the same data (the gate now loads the archived model in service), and in a
/// fresh folder the first refresh without the search, the same-run comparison of what the search costs. The gate's
/// figures come from the run itself: the tuned model and the configured parameters are both fitted to the gate's
/// training part and measured on its test part in the same evaluate step.
/// </summary>
public sealed class RecommendationRefreshBenchmark : IBenchmark
{
    public string Name => "recommendation-refresh";

    public string Description => "RecommendationRefresh on the built-in services with the search vs without it; tuned vs configured NDCG@10 on the gate's split";

    public async Task<BenchmarkReport> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var withSearch = RecommendationSettings.BuiltInJson;
        var withoutSearch = withSearch.Replace("\"search\": {},", "", StringComparison.Ordinal);
        if (withoutSearch == withSearch) throw new InvalidOperationException("The built-in settings no longer configure a search; update the benchmark.");

        var searched = await RunAsync(context, "search", withSearch, refreshes: 2, cancellationToken);
        var plain = await RunAsync(context, "no-search", withoutSearch, refreshes: 1, cancellationToken);

        var first = searched.Runs[0];
        var metrics = new List<BenchmarkMetric>
        {
            new("refresh with search (first, nothing in service)", first.Seconds, "s", $"{first.CpuSeconds:0.0} core-s; both services, data generated, searched, trained, gated, scored, published"),
            new("refresh with search (second, same data)", searched.Runs[1].Seconds, "s", $"{searched.Runs[1].CpuSeconds:0.0} core-s; the gate loads the archived model in service"),
            new("refresh without search (first, same run)", plain.Runs[0].Seconds, "s", $"{plain.Runs[0].CpuSeconds:0.0} core-s"),
            new("  search phase within the first refresh", first.SearchSeconds, "s", "first search plan scheduled to last winner selected, both services side by side"),
        };
        var lifts = new List<double>();
        foreach (var service in first.Result.Services)
        {
            var e = service.Evaluation!;
            var summary = service.Search?.Summary;
            var lift = e.ModelNdcg / e.DefaultsNdcg!.Value - 1;
            lifts.Add(lift);
            metrics.Add(new($"{service.Service}: search", summary?.Trials.Count ?? 0, "trials", string.Create(CultureInfo.InvariantCulture,
                $"winner {summary?.Winner.Description}, validation NDCG@10 {summary?.Winner.Validation.Ndcg:0.0000} vs {summary?.Defaults.Validation.Ndcg:0.0000} configured")));
            metrics.Add(new($"{service.Service}: NDCG@10 tuned, gate split", e.ModelNdcg, "", string.Create(CultureInfo.InvariantCulture,
                $"{e.Split}; configured parameters {e.DefaultsNdcg:0.0000} ({lift:+0.0%;-0.0%}); popularity {e.PopularityNdcg:0.0000}")));
            var second = searched.Runs[1].Result.Services.Single(s => s.Service == service.Service);
            metrics.Add(new($"{service.Service}: second refresh", searched.Runs[1].Result.Services.Count(s => s.Service == service.Service && s.Outcome == ServiceRefreshOutcome.Published), "published", second.Reason));
        }

        var slowest = Math.Max(first.Seconds, searched.Runs[1].Seconds);
        var perService = first.Result.Services.Select((s, i) => string.Create(CultureInfo.InvariantCulture,
            $"{s.Service}: tuned NDCG@10 {s.Evaluation!.ModelNdcg:0.0000} vs configured {s.Evaluation.DefaultsNdcg:0.0000} ({lifts[i]:+0.0%;-0.0%}) on {s.Evaluation.Split}"));
        var comparison = string.Create(CultureInfo.InvariantCulture,
            $"first refresh of both built-in services {first.Seconds:0.0} s with the search against {plain.Runs[0].Seconds:0.0} s without it (same process, fresh folders); ")
            + string.Join("; ", perService) + ".";
        return new BenchmarkReport(Name, metrics, new Dictionary<string, string>
        {
            ["settings"] = "RecommendationSettings.BuiltInJson (jobs 3,000 x 1,500, careers 2,000 x 1,200; search: SearchSpace defaults)",
            ["engine"] = "embedded, SQLite file (WAL), local file blob store, SQLite documents",
        }, comparison, GoalMet: slowest < 60 && lifts.All(l => l >= 0.05),
            GoalText: "each refresh of both built-in services with the search under 60 s, and the tuned NDCG@10 at least 5% above the configured parameters' on the gate's split for both services");
    }

    private sealed record RefreshRun(RecommendationRefreshResult Result, double Seconds, double CpuSeconds, double SearchSeconds);

    private sealed record Scenario(IReadOnlyList<RefreshRun> Runs);

    private static async Task<Scenario> RunAsync(BenchmarkContext context, string name, string settings, int refreshes, CancellationToken cancellationToken)
    {
        var root = Path.Combine(context.WorkDirectory, name);
        Directory.CreateDirectory(root);
        await File.WriteAllTextAsync(Path.Combine(root, "recommendations.json"), settings, cancellationToken);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Serverless:Storage:Blobs"] = "file:" + Path.Combine(root, "blobs"),
            ["Serverless:Storage:Documents"] = "sqlite:" + Path.Combine(root, "documents.db"),
            ["Serverless:Storage:Notifications"] = "file:" + Path.Combine(root, "notifications.jsonl"),
            [RecommendationSettings.ConfigPathKey] = "recommendations.json",
        }).Build();
        await using var services = new ServiceCollection().AddServerlessWorkflows(configuration, root).BuildServiceProvider();
        await using var engine = new EmbeddedEngine(WorkflowCatalog.Create(), new EmbeddedEngineOptions
        {
            DatabasePath = Path.Combine(root, "engine.db"),
            PollInterval = TimeSpan.FromMilliseconds(100),
        }, services);
        await engine.StartAsync(cancellationToken);

        var runs = new List<RefreshRun>();
        for (var i = 1; i <= refreshes; i++)
        {
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(RecommendationRefreshOrchestrator.Name, new RecommendationRefreshInput(),
                new StartOrchestrationOptions { InstanceId = $"{name}-{i}" }, cancellation: cancellationToken);
            var state = await engine.Client.WaitForInstanceCompletionAsync(id, true, cancellationToken);
            var seconds = clock.Elapsed.TotalSeconds;
            process.Refresh();
            if (state.RuntimeStatus != OrchestrationRuntimeStatus.Completed)
            {
                throw new InvalidOperationException($"{name}-{i} ended {state.RuntimeStatus}: {state.FailureDetails?.ErrorMessage}");
            }
            var result = state.ReadOutputAs<RecommendationRefreshResult>()!;
            var failed = result.Services.FirstOrDefault(s => s.Outcome == ServiceRefreshOutcome.Failed);
            if (failed is not null) throw new InvalidOperationException($"{name}-{i}: {failed.Service} failed: {failed.Reason}");
            var search = SearchSeconds(await engine.Client.GetHistoryAsync(id, cancellationToken));
            context.Progress(string.Create(CultureInfo.InvariantCulture, $"{name}-{i}: {seconds:0.0} s, ")
                + string.Join(", ", result.Services.Select(s => $"{s.Service} {s.Outcome.ToString().ToLowerInvariant()}")));
            runs.Add(new RefreshRun(result, seconds, (process.TotalProcessorTime - cpu).TotalSeconds, search));
        }
        return new Scenario(runs);
    }

    /// <summary>From the first search plan scheduled to the last winner selected: both services' searches, side by side.</summary>
    private static double SearchSeconds(IReadOnlyList<OrchestrationHistoryEvent> history)
    {
        var from = history.Where(e => e.EventType == "TaskScheduled" && e.Name == RecommendationActivityNames.SearchPlan).Select(e => e.Timestamp).DefaultIfEmpty().Min();
        var to = history.Where(e => e.EventType == "TaskCompleted" && e.Name == RecommendationActivityNames.SearchSelect).Select(e => e.Timestamp).DefaultIfEmpty().Max();
        return to > from ? (to - from).TotalSeconds : 0;
    }
}
