using System.Globalization;
using Serverless.Bench.Harness;

namespace Serverless.Bench.Engine;

/// <summary>1,000 instances each running 5 sequential no-op activities (the Durable Task Scheduler's published test shape).</summary>
public sealed class EngineSequenceBenchmark : IBenchmark
{
    public string Name => "engine-sequential";

    public string Description => "N instances x M sequential no-op activities (default 1,000 x 5): work items/s, durable SQLite vs in memory.";

    public async Task<BenchmarkReport> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var instances = context.GetInt("instances", 1_000);
        var steps = context.GetInt("steps", 5);
        var repeats = context.GetInt("repeats", 3);

        context.Progress("warm-up");
        await EngineScenarios.SequencesAsync(context.WorkDirectory, inMemory: false, 50, steps);

        var durable = new List<double>();
        var memory = new List<double>();
        long workItems = 0;
        for (var i = 0; i < repeats; i++)
        {
            var (elapsed, items) = await EngineScenarios.SequencesAsync(context.WorkDirectory, inMemory: false, instances, steps);
            workItems = items;
            durable.Add(items / elapsed.TotalSeconds);
            var (memoryElapsed, memoryItems) = await EngineScenarios.SequencesAsync(context.WorkDirectory, inMemory: true, instances, steps);
            memory.Add(memoryItems / memoryElapsed.TotalSeconds);
            context.Progress($"run {i + 1}: durable {durable[^1]:N0} work items/s, in memory {memory[^1]:N0} work items/s");
        }

        var rate = EngineFanOutBenchmark.Median(durable);
        var memoryRate = EngineFanOutBenchmark.Median(memory);
        var activities = (double)instances * steps;
        return new BenchmarkReport(Name,
            [
                new BenchmarkMetric("work items per run", workItems, "items", "orchestration episodes + activity executions"),
                new BenchmarkMetric("work items/s (durable SQLite, median)", rate, "items/s"),
                new BenchmarkMetric("activities/s (durable SQLite)", rate * activities / workItems, "activities/s"),
                new BenchmarkMetric("work items/s (same engine, in-memory SQLite)", memoryRate, "items/s", "no durability: the ceiling"),
            ],
            new Dictionary<string, string>
            {
                ["instances"] = instances.ToString(CultureInfo.InvariantCulture),
                ["steps"] = steps.ToString(CultureInfo.InvariantCulture),
                ["repeats"] = repeats.ToString(CultureInfo.InvariantCulture),
            },
            Comparison: $"in the same run the in-memory engine reached {memoryRate:N0} work items/s; published Durable Task Scheduler figure: " +
                "about 1,400 work items/s on one EP2 worker",
            GoalMet: rate >= 1_500,
            GoalText: "at least 1,500 work items/s with durable SQLite persistence");
    }
}
