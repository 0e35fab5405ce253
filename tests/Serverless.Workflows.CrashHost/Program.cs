using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Durable.Embedded;
using Serverless.Storage.Blobs;
using Serverless.Storage.Configuration;
using Serverless.Workflows;
using Serverless.Workflows.Experiments;

// Usage: Serverless.Workflows.CrashHost FOLDER WORKER_ID [PAUSE_AFTER_AGGREGATE_WRITES]
// FOLDER holds experiments.json (the definitions) and batches/*.jsonl; the engine database, the blob store and the
// document store live there too, so a second run on the same folder resumes the first. Every batch is submitted as
// POST /api/events and `events replay` submit it (already submitted batches are found by their instance id), then the
// host waits for all of them and prints one line per batch and "done".
// With PAUSE_AFTER_AGGREGATE_WRITES = N, the N-th aggregate write and every later one completes durably, prints
// "written-unacknowledged PATH", and then never returns: the activity that wrote it is never acknowledged, and the
// test kills the process in exactly that window.
if (args.Length is < 2 or > 3)
{
    Console.Error.WriteLine("usage: Serverless.Workflows.CrashHost FOLDER WORKER_ID [PAUSE_AFTER_AGGREGATE_WRITES]");
    return 2;
}
var folder = Path.GetFullPath(args[0]);
var workerId = args[1];
int? pauseAfter = args.Length == 3 ? int.Parse(args[2], CultureInfo.InvariantCulture) : null;

var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
{
    [StorageSettingNames.Blobs] = "file:" + Path.Combine(folder, "blobs"),
    [StorageSettingNames.Documents] = "sqlite:" + Path.Combine(folder, "documents.db"),
    [StorageSettingNames.Notifications] = "log",
    ["Serverless:Experiments:DefinitionsPath"] = "experiments.json",
    ["Serverless:Experiments:MonteCarloDraws"] = "2000",
}).Build();

var services = new ServiceCollection();
services.AddLogging();
services.AddServerlessWorkflows(configuration, folder);
services.AddSingleton<IBlobStore>(provider =>
{
    var inner = provider.GetRequiredService<StorageFactory>().CreateBlobStore();
    return pauseAfter is { } n ? new PausingBlobStore(inner, n) : inner;
});
services.AddEmbeddedDurableEngine(registry => WorkflowCatalog.Register(registry), options =>
{
    options.DatabasePath = Path.Combine(folder, "engine.db");
    options.WorkerId = workerId;
    // Short leases and locks: work held by a dead worker under another id is re-delivered within seconds.
    options.ActivityLeaseDuration = TimeSpan.FromSeconds(2);
    options.InstanceLockDuration = TimeSpan.FromSeconds(2);
    options.PollInterval = TimeSpan.FromMilliseconds(20);
    options.MaxConcurrentActivities = 4;
    options.ActivityPrefetch = 4;
});
await using var provider = services.BuildServiceProvider();
var engine = provider.GetRequiredService<EmbeddedEngine>();
await engine.StartAsync();

var ingestion = provider.GetRequiredService<EventIngestion>();
var submissions = new List<(string File, BatchSubmission Submission, string State)>();
foreach (var file in Directory.GetFiles(Path.Combine(folder, "batches"), "*.jsonl").Order(StringComparer.Ordinal))
{
    var submission = await ingestion.SubmitAsync(await File.ReadAllBytesAsync(file), BatchFormats.JsonLines, Path.GetFileName(file));
    var state = "new";
    if (submission.Duplicate)
    {
        var existing = await engine.Client.GetInstanceAsync(submission.InstanceId, true);
        state = existing is not null && existing.RuntimeStatus.IsTerminal() ? "finished-before" : "resumed";
    }
    submissions.Add((Path.GetFileName(file), submission, state));
}

var failed = 0;
foreach (var (file, submission, state) in submissions)
{
    var metadata = await engine.Client.WaitForInstanceCompletionAsync(submission.InstanceId, true);
    if (metadata.RuntimeStatus != OrchestrationRuntimeStatus.Completed)
    {
        failed++;
        Console.WriteLine($"batch {file} {state} {metadata.RuntimeStatus}: {metadata.FailureDetails?.ErrorMessage}");
        continue;
    }
    var output = metadata.ReadOutputAs<ExperimentAggregationResult>()!;
    // One line per batch: how each experiment took it (Applied, or AlreadyApplied when the apply ran again).
    Console.WriteLine($"batch {file} {state} " + string.Join(" ", output.Experiments.Select(e => $"{e.ExperimentId}={e.Outcome}/{e.EventsApplied}")));
}
Console.WriteLine(failed == 0 ? "done" : $"failed {failed}");
return failed == 0 ? 0 : 1;

/// <summary>
/// Passes everything to the real store; from the N-th aggregate write on, reports each durable aggregate write and
/// then hangs, so the activity that made it is never acknowledged.
/// </summary>
internal sealed class PausingBlobStore(IBlobStore inner, int pauseAfter) : IBlobStore
{
    private int _aggregateWrites;

    public async Task<BlobProperties> WriteAsync(string path, Stream content, BlobWriteCondition condition, CancellationToken cancellationToken = default)
    {
        var written = await inner.WriteAsync(path, content, condition, cancellationToken);
        if (path.EndsWith("/aggregate.json", StringComparison.Ordinal) && Interlocked.Increment(ref _aggregateWrites) >= pauseAfter)
        {
            Console.WriteLine($"written-unacknowledged {path}");
            await Task.Delay(Timeout.Infinite, CancellationToken.None);
        }
        return written;
    }

    public Task<BlobContent> ReadAsync(string path, CancellationToken cancellationToken = default) => inner.ReadAsync(path, cancellationToken);

    public Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default) => inner.OpenReadAsync(path, cancellationToken);

    public Task<bool> ExistsAsync(string path, CancellationToken cancellationToken = default) => inner.ExistsAsync(path, cancellationToken);

    public Task<BlobProperties?> GetPropertiesAsync(string path, CancellationToken cancellationToken = default) => inner.GetPropertiesAsync(path, cancellationToken);

    public IAsyncEnumerable<BlobItem> ListAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);

    public Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default) => inner.DeleteAsync(path, cancellationToken);
}
