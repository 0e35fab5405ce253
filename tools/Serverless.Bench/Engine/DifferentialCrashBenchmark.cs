using System.Globalization;
using Serverless.Bench.Harness;
using Serverless.Durable.Differential;
using Serverless.Testing;

namespace Serverless.Bench.Engine;

/// <summary>
/// Generated programs on the embedded engine in a child process killed with SIGKILL at a seeded number of committed
/// history events, then restarted: how many programs end differently from an uninterrupted run.
/// </summary>
public sealed class DifferentialCrashBenchmark : IBenchmark
{
    public string Name => "differential-crash";

    public string Description => "N crash cases (default 50) x M generated programs (default 8): SIGKILL at a seeded commit, restart, compare.";

    public async Task<BenchmarkReport> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var cases = context.GetInt("cases", 50);
        var perCase = context.GetInt("programs", 8);
        var first = context.GetInt("first", 8001);
        var hostDll = BuiltAssembly.PathOf("tests/Serverless.Durable.CrashHost", "Serverless.Durable.CrashHost");
        if (!File.Exists(hostDll)) throw new FileNotFoundException("crash host not built", hostDll);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var killed = 0;
        var problems = new List<string>();
        for (var c = 0; c < cases; c++)
        {
            var outcome = await DiffCrashRun.RunCaseAsync(context.WorkDirectory, hostDll, first + c, perCase, new GeneratorOptions());
            if (outcome.Killed) killed++;
            problems.AddRange(outcome.Problems.Select(p => $"case seed {first + c}: {p}"));
            if ((c + 1) % 10 == 0) context.Progress($"{c + 1}/{cases} cases, {problems.Count} problems");
        }
        foreach (var p in problems.Take(20)) context.Progress(p);
        return new BenchmarkReport(Name,
            [
                new BenchmarkMetric("programs", cases * perCase, "programs"),
                new BenchmarkMetric("cases killed mid-run", killed, "cases", "the rest finished before the chosen commit count"),
                new BenchmarkMetric("programs ending differently after the kill", problems.Count, "programs"),
                new BenchmarkMetric("wall time", watch.Elapsed.TotalSeconds, "s"),
            ],
            new Dictionary<string, string>
            {
                ["cases"] = cases.ToString(CultureInfo.InvariantCulture),
                ["programs"] = perCase.ToString(CultureInfo.InvariantCulture),
                ["first"] = first.ToString(CultureInfo.InvariantCulture),
            },
            Comparison: "each case's uninterrupted run of the same programs, in the same run",
            GoalMet: problems.Count == 0,
            GoalText: "every program ends as if never interrupted");
    }
}
