using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Bench.Harness;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Durable.Embedded;
using Serverless.Experiments.Aggregation;
using Serverless.Experiments.Definitions;
using Serverless.Experiments.Events;
using Serverless.Storage.Configuration;
using Serverless.Workflows;
using Serverless.Workflows.Experiments;

namespace Serverless.Bench.Experiments;

/// <summary>
/// A JSONL file replayed end to end as <c>serverless events replay</c> does it: each batch validated, stored as a blob,
/// run by an ExperimentAggregation instance on the embedded engine (SQLite), applied to the aggregates in the blob store
/// with ETag writes, statistics recomputed on the cadence. Against, in the same run, the in-memory parse and apply of the
/// same file (no storage, no engine): what the durable, exactly-once path costs.
/// </summary>
public sealed class EventsReplayBenchmark : IBenchmark
{
    public string Name => "events-replay";

    public string Description => "JSONL replay through the ExperimentAggregation workflow (blobs, documents, engine) vs in-memory parse + apply of the same file";

    public async Task<BenchmarkReport> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var usersPerExperiment = context.GetInt("users", 20_000);
        var linesPerBatch = context.GetInt("batch", 20_000);
        var parallel = context.GetInt("parallel", 2);
        var seed = context.GetInt("seed", 7);

        var experiments = new[] { Definition("ranker-als", "als-v1", "als-v2", "als-v3"), Definition("search-rank", "bm25", "ltr-v1", "ltr-v2") };
        var path = Path.Combine(context.WorkDirectory, "events.jsonl");
        var generated = EventFileGenerator.Write(path, experiments, usersPerExperiment, seed);
        var megabytes = new FileInfo(path).Length / (1024.0 * 1024);
        context.Progress($"generated {generated.Lines:N0} lines ({megabytes:N1} MiB)");

        var inMemory = InMemory(path, experiments, linesPerBatch);
        context.Progress($"in memory: {generated.Lines / inMemory:N0} events/s");

        var folder = Path.Combine(context.WorkDirectory, "replay-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        var definitions = new { experiments = experiments.Select(DefinitionJson.ToJson).ToList() };
        await File.WriteAllTextAsync(Path.Combine(folder, "experiments.json"), JsonSerializer.Serialize(definitions), cancellationToken);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [StorageSettingNames.Blobs] = "file:" + Path.Combine(folder, "blobs"),
            [StorageSettingNames.Documents] = "sqlite:" + Path.Combine(folder, "documents.db"),
            [StorageSettingNames.Notifications] = "log",
            ["Serverless:Experiments:DefinitionsPath"] = "experiments.json",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddServerlessWorkflows(configuration, folder);
        services.AddEmbeddedDurableEngine(registry => WorkflowCatalog.Register(registry), options =>
        {
            options.DatabasePath = Path.Combine(folder, "engine.db");
            options.PollInterval = TimeSpan.FromMilliseconds(100);
        });
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<EmbeddedEngine>();
        await engine.StartAsync(cancellationToken);
        var ingestion = provider.GetRequiredService<EventIngestion>();

        var watch = Stopwatch.StartNew();
        var (applied, batches, recomputations) = await ReplayAsync(ingestion, engine.Client, path, linesPerBatch, parallel, cancellationToken);
        var replaySeconds = watch.Elapsed.TotalSeconds;
        if (applied != generated.Lines - generated.Invalid) throw new InvalidOperationException($"applied {applied} events, expected {generated.Lines - generated.Invalid}");
        context.Progress($"replay: {generated.Lines / replaySeconds:N0} events/s over {batches} batches");

        watch.Restart();
        var (again, _, _) = await ReplayAsync(ingestion, engine.Client, path, linesPerBatch, parallel, cancellationToken);
        var repeatSeconds = watch.Elapsed.TotalSeconds;
        if (again != 0) throw new InvalidOperationException($"a second replay applied {again} events");
        await engine.StopAsync(cancellationToken);

        var replayRate = generated.Lines / replaySeconds;
        var memoryRate = generated.Lines / inMemory;
        var metrics = new List<BenchmarkMetric>
        {
            new("replay rate", replayRate, "events/s", $"{batches} batches of {linesPerBatch:N0} lines, {parallel} in flight; blob + SQLite + engine, ETag writes"),
            new("in-memory parse + apply", memoryRate, "events/s", "same file and batches, no storage, no engine"),
            new("in-memory / replay", memoryRate / replayRate, "x"),
            new("second replay (all duplicates)", generated.Lines / repeatSeconds, "events/s", "applies nothing: instances found by batch identity"),
            new("recomputations", recomputations, "analyses", "statistics + weights published on the cadence (every 10,000 events by default)"),
            new("events in file", generated.Lines, "lines", $"{generated.Invalid:N0} invalid, quarantined"),
        };
        var parameters = new Dictionary<string, string>
        {
            ["users"] = usersPerExperiment.ToString(CultureInfo.InvariantCulture),
            ["batch"] = linesPerBatch.ToString(CultureInfo.InvariantCulture),
            ["parallel"] = parallel.ToString(CultureInfo.InvariantCulture),
            ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
        };
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        return new BenchmarkReport(Name, metrics, parameters,
            Comparison: $"in-memory {memoryRate:N0} events/s vs durable replay {replayRate:N0} events/s ({memoryRate / replayRate:N1}x)");
    }

    private static async Task<(long Applied, int Batches, int Recomputations)> ReplayAsync(
        EventIngestion ingestion, DurableTaskClient client, string path, int linesPerBatch, int parallel, CancellationToken cancellationToken)
    {
        long applied = 0;
        int batches = 0, recomputations = 0;
        var pending = new Queue<BatchSubmission>();
        async Task CompleteAsync()
        {
            var submission = pending.Dequeue();
            if (submission.Duplicate) return;
            var metadata = await client.WaitForInstanceCompletionAsync(submission.InstanceId, true, cancellationToken);
            if (metadata.RuntimeStatus != OrchestrationRuntimeStatus.Completed)
            {
                throw new InvalidOperationException($"{submission.InstanceId}: {metadata.RuntimeStatus} {metadata.FailureDetails?.ErrorMessage}");
            }
            var output = metadata.ReadOutputAs<ExperimentAggregationResult>()!;
            applied += output.Experiments.Sum(e => e.EventsApplied);
            recomputations += output.Recomputations.Count(r => r.Recomputed);
        }
        await using (var stream = File.OpenRead(path))
        {
            foreach (var chunk in JsonLinesChunker.Read(stream, linesPerBatch))
            {
                pending.Enqueue(await ingestion.SubmitAsync(chunk.Utf8, BatchFormats.JsonLines, "events.jsonl", chunk.FirstLineNumber, cancellationToken: cancellationToken));
                batches++;
                if (pending.Count >= parallel) await CompleteAsync();
            }
        }
        while (pending.Count > 0) await CompleteAsync();
        return (applied, batches, recomputations);
    }

    private static double InMemory(string path, IReadOnlyList<ExperimentDefinition> experiments, int linesPerBatch)
    {
        var catalog = new ExperimentCatalog(experiments);
        var best = double.MaxValue;
        for (var round = 0; round < 3; round++)
        {
            using var parser = new EventBatchParser(catalog);
            var aggregates = experiments.ToDictionary(e => e.Id, ExperimentAggregate.Create);
            var watch = Stopwatch.StartNew();
            using (var stream = File.OpenRead(path))
            {
                foreach (var chunk in JsonLinesChunker.Read(stream, linesPerBatch))
                {
                    using var batch = parser.ParseJsonLines(chunk.Utf8.Span, "events.jsonl", chunk.FirstLineNumber);
                    foreach (var id in batch.ExperimentIds) aggregates[id].Apply(batch);
                }
            }
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        return best;
    }

    private static ExperimentDefinition Definition(string id, params string[] variants) => ExperimentDefinition.Create(
        id,
        variants.Select(v => new VariantDefinition(v, new Dictionary<string, string> { ["model"] = v }, 1.0 / variants.Length)).ToList(),
        variants[0],
        start: EventFileGenerator.Start.AddDays(-1),
        stop: EventFileGenerator.Start.AddDays(30));
}
