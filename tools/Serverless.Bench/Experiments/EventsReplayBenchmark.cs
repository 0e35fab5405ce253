using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Bench.Harness;
using Serverless.Durable.Embedded;
using Serverless.Experiments.Aggregation;
using Serverless.Experiments.Definitions;
using Serverless.Experiments.Events;
using Serverless.Storage.Configuration;
using Serverless.Workflows;
using Serverless.Workflows.Experiments;

namespace Serverless.Bench.Experiments;

/// <summary>
/// A JSONL file replayed end to end as <c>serverless events replay</c> does it: each batch validated, stored as a blob and
/// put in the experiment shards' pending lists; the shards' ExperimentAggregation aggregators on the embedded engine
/// (SQLite) apply them in rounds and commit the shard states; statistics recomputed on the cadence. Against, in the same
/// run, the in-memory parse and apply of the same file (no storage, no engine): what the durable, exactly-once path costs.
/// </summary>
public sealed class EventsReplayBenchmark : IBenchmark
{
    public string Name => "events-replay";

    public string Description => "JSONL replay through ingestion and the ExperimentAggregation aggregators (blobs, documents, engine) vs in-memory parse + apply of the same file";

    public async Task<BenchmarkReport> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var usersPerExperiment = context.GetInt("users", 20_000);
        var linesPerBatch = context.GetInt("batch", 20_000);
        var parallel = context.GetInt("parallel", 16);
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
        var (batches, _) = await ReplayAsync(ingestion, path, linesPerBatch, parallel, cancellationToken);
        var applied = provider.GetRequiredService<ApplyMetrics>().Snapshot().EventsApplied;
        var replaySeconds = watch.Elapsed.TotalSeconds;
        if (applied != generated.Lines - generated.Invalid) throw new InvalidOperationException($"applied {applied} events, expected {generated.Lines - generated.Invalid}");
        context.Progress($"replay: {generated.Lines / replaySeconds:N0} events/s over {batches} batches");

        watch.Restart();
        await ReplayAsync(ingestion, path, linesPerBatch, parallel, cancellationToken);
        var repeatSeconds = watch.Elapsed.TotalSeconds;
        var again = provider.GetRequiredService<ApplyMetrics>().Snapshot().EventsApplied - applied;
        if (again != 0) throw new InvalidOperationException($"a second replay applied {again} events");
        // The same file cut into other batches: new batch identities, every event found by its eventId.
        await ReplayAsync(ingestion, path, linesPerBatch / 3 + 1, parallel, cancellationToken);
        again = provider.GetRequiredService<ApplyMetrics>().Snapshot().EventsApplied - applied;
        if (again != 0) throw new InvalidOperationException($"a re-batched replay applied {again} events");
        await engine.StopAsync(cancellationToken);

        var replayRate = generated.Lines / replaySeconds;
        var memoryRate = generated.Lines / inMemory;
        var metrics = new List<BenchmarkMetric>
        {
            new("replay rate", replayRate, "events/s", $"{batches} batches of {linesPerBatch:N0} lines, {parallel} in flight; blob + SQLite + engine, one writer per experiment"),
            new("in-memory parse + apply", memoryRate, "events/s", "same file and batches, no storage, no engine"),
            new("in-memory / replay", memoryRate / replayRate, "x"),
            new("second replay (all duplicates)", generated.Lines / repeatSeconds, "events/s", "applies nothing: batches found by identity; a third replay in other batches applies nothing either (eventIds)"),
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

    private static async Task<(int Batches, long Accepted)> ReplayAsync(
        EventIngestion ingestion, string path, int linesPerBatch, int parallel, CancellationToken cancellationToken)
    {
        var batches = 0;
        long accepted = 0;
        var pending = new Queue<BatchSubmission>();
        await using (var stream = File.OpenRead(path))
        {
            foreach (var chunk in JsonLinesChunker.Read(stream, linesPerBatch))
            {
                var submission = await ingestion.SubmitAsync(chunk.Utf8, BatchFormats.JsonLines, "events.jsonl", chunk.FirstLineNumber, cancellationToken: cancellationToken);
                pending.Enqueue(submission);
                accepted += submission.Accepted;
                batches++;
                if (pending.Count >= parallel) await ingestion.WaitUntilAppliedAsync(pending.Dequeue(), TimeSpan.FromMinutes(10), cancellationToken);
            }
        }
        while (pending.Count > 0) await ingestion.WaitUntilAppliedAsync(pending.Dequeue(), TimeSpan.FromMinutes(10), cancellationToken);
        return (batches, accepted);
    }

    private static double InMemory(string path, IReadOnlyList<ExperimentDefinition> experiments, int linesPerBatch)
    {
        var catalog = new ExperimentCatalog(experiments);
        var best = double.MaxValue;
        for (var round = 0; round < 3; round++)
        {
            using var parser = new EventBatchParser(catalog);
            var aggregates = experiments.ToDictionary(e => e.Id, e => ExperimentAggregate.Create(e));
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
