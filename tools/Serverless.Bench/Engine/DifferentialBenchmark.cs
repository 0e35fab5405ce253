using System.Globalization;
using Serverless.Bench.Harness;
using Serverless.Durable.Differential;

namespace Serverless.Bench.Engine;

/// <summary>
/// Generated orchestration programs on the embedded engine and on the real Durable Task runtime (in-process test
/// host): how many agree on status, output, failure details and custom status.
/// </summary>
public sealed class DifferentialBenchmark : IBenchmark
{
    public string Name => "differential";

    public string Description => "N seeded random programs (default 1,000) on the embedded engine vs the real Durable Task runtime: differences.";

    public async Task<BenchmarkReport> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var programs = context.GetInt("programs", 1_000);
        var first = context.GetInt("first", 1);
        var parallelism = context.GetInt("parallelism", 16);
        var options = new GeneratorOptions
        {
            LargeCrossInstancePayloads = context.GetString("large-cross-instance", "true") == "true",
            ContinueAsNewWithPendingTimers = context.GetString("continue-as-new-pending-timers", "true") == "true",
        };
        var summary = await DiffComparison.RunAsync(Path.Combine(context.WorkDirectory, "differential"),
            Enumerable.Range(first, programs), options, parallelism, TimeSpan.FromSeconds(context.GetInt("deadline", 300)), context.Progress);
        foreach (var m in summary.Mismatches.Take(20)) context.Progress(m.Describe());
        foreach (var e in summary.Errors.Take(20)) context.Progress(e);
        var outcomes = string.Join(", ", summary.Outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key} {o.Value}"));
        return new BenchmarkReport(Name,
            [
                new BenchmarkMetric("programs", summary.Programs, "programs", outcomes),
                new BenchmarkMetric("differences", summary.Mismatches.Count, "programs",
                    summary.Mismatches.Count == 0 ? null : "seeds " + string.Join(",", summary.Mismatches.Take(30).Select(m => m.Seed))),
                new BenchmarkMetric("did not finish", summary.Errors.Count, "programs"),
                new BenchmarkMetric("wall time", summary.Elapsed.TotalSeconds, "s"),
                new BenchmarkMetric("mean program time, embedded", summary.EmbeddedProgramTime.TotalSeconds / Math.Max(1, summary.Programs), "s"),
                new BenchmarkMetric("mean program time, real runtime (in-process test host)", summary.RealProgramTime.TotalSeconds / Math.Max(1, summary.Programs), "s"),
            ],
            new Dictionary<string, string>
            {
                ["programs"] = programs.ToString(CultureInfo.InvariantCulture),
                ["first"] = first.ToString(CultureInfo.InvariantCulture),
                ["parallelism"] = parallelism.ToString(CultureInfo.InvariantCulture),
                ["generator switches"] = $"large-cross-instance={options.LargeCrossInstancePayloads}, " +
                    $"continue-as-new-pending-timers={options.ContinueAsNewWithPendingTimers}",
            },
            Comparison: "the same programs on the real Durable Task runtime (the in-process test host's backend and sidecar, real gRPC worker) in the same run",
            GoalMet: summary.Mismatches.Count == 0 && summary.Errors.Count == 0,
            GoalText: "no program differs between the engines");
    }
}
