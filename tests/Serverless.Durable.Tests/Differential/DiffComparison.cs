using System.Diagnostics;
using System.Globalization;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable.Embedded;

namespace Serverless.Durable.Differential;

/// <summary>One program whose result differs between the embedded engine and the real Durable Task runtime.</summary>
public sealed record DiffMismatch(int Seed, DiffProgram Program, DiffResult Expected, DiffResult Actual)
{
    public string Describe() =>
        $"seed {Seed}: real Durable Task {Expected.Describe()}\n  embedded {Actual.Describe()}\n  program {Program.Describe()}";
}

public sealed record DiffSummary(int Programs, IReadOnlyList<DiffMismatch> Mismatches, IReadOnlyList<string> Errors,
    IReadOnlyDictionary<string, int> Outcomes, TimeSpan Elapsed,
    TimeSpan RealProgramTime, TimeSpan EmbeddedProgramTime);

/// <summary>Runs generated programs on the embedded engine and on the real runtime (in-process test host) and compares.</summary>
public static class DiffComparison
{
    public static async Task<DiffSummary> RunAsync(string folder, IEnumerable<int> seeds, GeneratorOptions options,
        int parallelism, TimeSpan perProgram, Action<string>? progress = null)
    {
        var watch = Stopwatch.StartNew();
        Directory.CreateDirectory(folder);
        await using var embedded = new EmbeddedEngine(Registry(), new EmbeddedEngineOptions
        {
            DatabasePath = Path.Combine(folder, "differential.db"),
            PollInterval = TimeSpan.FromMilliseconds(20),
        });
        await embedded.StartAsync();
        await using var real = await RealRuntimeHost.StartAsync(DiffInterpreter.Register);

        var mismatches = new List<DiffMismatch>();
        var errors = new List<string>();
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        var gate = new Lock();
        var done = 0;
        var realTicks = new System.Runtime.CompilerServices.StrongBox<long>();
        var embeddedTicks = new System.Runtime.CompilerServices.StrongBox<long>();
        var seedList = seeds.ToList();
        var runTag = Guid.NewGuid().ToString("N")[..8];
        await Parallel.ForEachAsync(seedList, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (seed, _) =>
        {
            var program = Environment.GetEnvironmentVariable("DIFFERENTIAL_PROGRAM") is { Length: > 0 } given
                ? DiffJson.Read<DiffProgram>(given)
                : DiffGenerator.Generate(seed, options);
            var id = "diff-" + seed.ToString(CultureInfo.InvariantCulture);
            try
            {
                var expectedTask = Timed(() => DiffDriver.RunAsync(real.Client, program, id, $"{runTag}-real", perProgram), realTicks);
                var actualTask = Timed(() => DiffDriver.RunAsync(embedded.Client, program, id, $"{runTag}-embedded", perProgram), embeddedTicks);
                var results = await Task.WhenAll(expectedTask, actualTask);
                lock (gate)
                {
                    var key = results[0].Status + (results[0].Status == "Failed" ? " " + results[0].ErrorType : "");
                    outcomes[key] = outcomes.GetValueOrDefault(key) + 1;
                    if (!results[0].SameAs(results[1])) mismatches.Add(new DiffMismatch(seed, program, results[0], results[1]));
                }
            }
            catch (Exception e)
            {
                lock (gate) errors.Add($"seed {seed}: {e.GetType().Name}: {e.Message}\n  program {program.Describe()}");
            }
            var n = Interlocked.Increment(ref done);
            if (n % 250 == 0) progress?.Invoke($"{n}/{seedList.Count} programs, {mismatches.Count} differences, {errors.Count} errors");
        });
        return new DiffSummary(seedList.Count, mismatches.OrderBy(m => m.Seed).ToList(), errors, outcomes, watch.Elapsed,
            TimeSpan.FromTicks(realTicks.Value), TimeSpan.FromTicks(embeddedTicks.Value));
    }

    private static async Task<DiffResult> Timed(Func<Task<DiffResult>> run, System.Runtime.CompilerServices.StrongBox<long> ticks)
    {
        var start = Stopwatch.GetTimestamp();
        try { return await run(); }
        finally { Interlocked.Add(ref ticks.Value, Stopwatch.GetElapsedTime(start).Ticks); }
    }

    public static DurableTaskRegistry Registry()
    {
        var registry = new DurableTaskRegistry();
        DiffInterpreter.Register(registry);
        return registry;
    }
}
