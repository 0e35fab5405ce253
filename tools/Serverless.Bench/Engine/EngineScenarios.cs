using System.Diagnostics;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Durable.Embedded;

namespace Serverless.Bench.Engine;

/// <summary>The no-op workloads the engine benchmarks run, on a durable SQLite file or in memory.</summary>
internal static class EngineScenarios
{
    public static DurableTaskRegistry Registry() => new DurableTaskRegistry()
        .AddActivityFunc<int, int>("Noop", (_, x) => Task.FromResult(x))
        .AddOrchestratorFunc<int, int>("FanOut", async (ctx, n) =>
        {
            var results = await Task.WhenAll(Enumerable.Range(0, n).Select(i => ctx.CallActivityAsync<int>("Noop", i)));
            return results.Length;
        })
        .AddOrchestratorFunc<int, int>("Sequence", async (ctx, n) =>
        {
            var sum = 0;
            for (var i = 0; i < n; i++) sum += await ctx.CallActivityAsync<int>("Noop", i);
            return sum;
        });

    public static EmbeddedEngineOptions Options(string folder, bool inMemory) => new()
    {
        DatabasePath = Path.Combine(folder, $"engine-{Guid.NewGuid():N}.db"),
        InMemory = inMemory,
    };

    /// <summary>One instance fanning out to <paramref name="activities"/> activities: wall time from schedule to completion.</summary>
    public static async Task<TimeSpan> FanOutAsync(string folder, bool inMemory, int activities)
    {
        await using var engine = new EmbeddedEngine(Registry(), Options(folder, inMemory));
        await engine.StartAsync();
        var watch = Stopwatch.StartNew();
        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("FanOut", activities);
        var result = await engine.Client.WaitForInstanceCompletionAsync(id, true);
        watch.Stop();
        if (result.ReadOutputAs<int>() != activities) throw new InvalidOperationException($"fan-out returned {result.SerializedOutput}");
        return watch.Elapsed;
    }

    /// <summary>
    /// <paramref name="instances"/> instances of <paramref name="steps"/> sequential activities, all scheduled at
    /// once: wall time and the work items processed (orchestration episodes plus activity executions).
    /// </summary>
    public static async Task<(TimeSpan Elapsed, long WorkItems)> SequencesAsync(string folder, bool inMemory, int instances, int steps)
    {
        await using var engine = new EmbeddedEngine(Registry(), Options(folder, inMemory));
        await engine.StartAsync();
        var watch = Stopwatch.StartNew();
        var ids = new List<string>(instances);
        for (var i = 0; i < instances; i++) ids.Add(await engine.Client.ScheduleNewOrchestrationInstanceAsync("Sequence", steps));
        foreach (var id in ids)
        {
            var result = await engine.Client.WaitForInstanceCompletionAsync(id, true);
            if (result.RuntimeStatus != OrchestrationRuntimeStatus.Completed) throw new InvalidOperationException($"{id} ended {result.RuntimeStatus}");
        }
        watch.Stop();
        return (watch.Elapsed, engine.EpisodeCount + engine.ActivityExecutionCount);
    }
}
