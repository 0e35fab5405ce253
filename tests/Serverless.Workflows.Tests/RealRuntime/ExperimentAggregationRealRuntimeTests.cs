using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Testing;
using Serverless.Workflows.Experiments;
using Serverless.Workflows.Tests.Experiments;

namespace Serverless.Workflows.Tests.RealRuntime;

/// <summary>
/// Experiment aggregation on the real Durable Task runtime (AzureStorage provider on Azurite) and on the embedded
/// engine: the same event batches, submitted as the HTTP route submits them, are applied by the shard's
/// ExperimentAggregation singleton into the same aggregate files, byte for byte.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class ExperimentAggregationRealRuntimeTests(EmulatorFixture emulators)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Submitted_batches_are_applied_on_the_real_runtime_into_the_embedded_engines_aggregate_files()
    {
        var embedded = await RunAsync(null);
        var real = await RunAsync(emulators.StorageConnectionString);

        Assert.Equal(embedded.Figures, real.Figures);
        // The aggregate itself (canonical JSON) and the stored batches, as bytes.
        for (var i = 0; i < embedded.Aggregates.Count; i++) RealRuntimeAssert.SameText(embedded.Aggregates[i], real.Aggregates[i], $"shard {i} aggregate");
        // The shard's dedupe pages are named after the wall-clock time they were written and cut where the aggregator's
        // rounds happened to fall (how many batches each round took up); the state file and the shard status name those
        // pages and rounds. The aggregate they hold is compared above; every other file is compared as bytes.
        static bool Clocked(string path) => path.Contains("/dedupe/", StringComparison.Ordinal)
            || path.EndsWith("/state.bin", StringComparison.Ordinal) || path.EndsWith("/status.json", StringComparison.Ordinal);
        Assert.Equal(embedded.Files.Keys.Count(k => !Clocked(k)), real.Files.Keys.Count(k => !Clocked(k)));
        Assert.True(RealRuntimeAssert.SameFiles(
            embedded.Files.Where(f => !Clocked(f.Key)).ToDictionary(), real.Files.Where(f => !Clocked(f.Key)).ToDictionary()) >= 3);
    }

    private sealed record Run(string Figures, List<string> Aggregates, SortedDictionary<string, byte[]> Files);

    private static async Task<Run> RunAsync(string? storage)
    {
        await using var host = await RuntimeHost.StartAsync(storage, settings: new Dictionary<string, string?>
        {
            ["Serverless:Experiments:DefinitionsPath"] = "experiments.json",
            // No recomputation during the test: the analysis is a function of when it runs; the aggregate is not.
            ["Serverless:Experiments:RecomputeEveryEvents"] = "1000000",
            ["Serverless:Experiments:RecomputeInterval"] = "1.00:00:00",
        }, beforeStart: root => File.WriteAllTextAsync(Path.Combine(root, "experiments.json"), ExperimentTestEnvironment.DefinitionsJson));

        var ranker = (await host.Services.GetRequiredService<ExperimentDefinitionStore>().GetAsync("ranker"))!.Value.Definition;
        var batches = EventFactory.Batches(EventFactory.Simulate(ranker, 300, [0.05, 0.25], seed: 11), 100);
        var ingestion = host.Services.GetRequiredService<EventIngestion>();
        var submissions = new List<BatchSubmission>();
        var line = 1;
        foreach (var body in batches)
        {
            submissions.Add(await ingestion.SubmitAsync(body, BatchFormats.JsonLines, "ranker.jsonl", line));
            line += 100;
        }
        foreach (var submission in submissions) await ingestion.WaitUntilAppliedAsync(submission, Deadline);

        // The shard's singleton lives on, waiting for the next batch (Pending for a moment on the real runtime, between
        // a generation that continued as new and the next).
        var aggregator = await host.Client.GetInstanceAsync(ExperimentKeys.AggregatorInstanceId("ranker", 0));
        Assert.Contains(aggregator!.RuntimeStatus, new[] { OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Pending });
        var shards = await host.Services.GetRequiredService<ShardStateStore>().LoadAllStatesAsync("ranker");
        Assert.Equal(300, shards.Sum(s => s.Aggregate.Summarize().Variants.Sum(v => v.ExposedUsers)));
        var figures = ExperimentTestEnvironment.FiguresOf(shards.Select(s => s.Aggregate));

        var files = await host.ReadAllBlobsAsync();
        return new Run(figures, shards.Select(s => s.Aggregate.ToJson()).ToList(), new SortedDictionary<string, byte[]>(
            files.Where(f => f.Key.StartsWith("experiments/", StringComparison.Ordinal)).ToDictionary(), StringComparer.Ordinal));
    }
}
