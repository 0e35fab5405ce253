using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Durable;
using Serverless.Durable.Embedded;
using Serverless.Storage.Blobs;
using Serverless.Storage.Configuration;
using Serverless.Workflows;
using Serverless.Workflows.Experiments;

// Usage: Serverless.Workflows.CrashHost FOLDER WORKER_ID SUBMIT_INTERVAL_MS [PAUSE_AFTER_STATE_WRITES]
// FOLDER holds experiments.json (the definitions) and batches/*.jsonl; the engine database, the blob store and the
// document store live there too, so a second run on the same folder resumes the first. Every batch is submitted as
// POST /api/events and `events replay` submit it (printing "submitted FILE" once acknowledged; a batch submitted by an
// earlier run is simply submitted again), then the host waits until the shards' aggregators applied all of them and
// prints what its apply rounds did and "done". Batches are submitted SUBMIT_INTERVAL_MS apart, as clients send them over time.
// With PAUSE_AFTER_STATE_WRITES = N, the N-th shard state write and every later one completes durably, prints
// "written-unacknowledged PATH", and then never returns: the round that wrote it never deletes its parts and its
// activity is never acknowledged, and the test kills the process in exactly that window.
if (args.Length is < 3 or > 4)
{
    Console.Error.WriteLine("usage: Serverless.Workflows.CrashHost FOLDER WORKER_ID SUBMIT_INTERVAL_MS [PAUSE_AFTER_STATE_WRITES]");
    return 2;
}
var folder = Path.GetFullPath(args[0]);
var workerId = args[1];
var submitInterval = TimeSpan.FromMilliseconds(int.Parse(args[2], CultureInfo.InvariantCulture));
int? pauseAfter = args.Length == 4 ? int.Parse(args[3], CultureInfo.InvariantCulture) : null;

var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
{
    [StorageSettingNames.Blobs] = "file:" + Path.Combine(folder, "blobs"),
    [StorageSettingNames.Documents] = "sqlite:" + Path.Combine(folder, "documents.db"),
    [StorageSettingNames.Notifications] = "log",
    ["Serverless:Experiments:DefinitionsPath"] = "experiments.json",
    ["Serverless:Experiments:MonteCarloDraws"] = "2000",
    ["Serverless:Experiments:IdlePollInterval"] = "00:00:02",
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
var submissions = new List<BatchSubmission>();
foreach (var file in Directory.GetFiles(Path.Combine(folder, "batches"), "*.jsonl").Order(StringComparer.Ordinal))
{
    while (true)
    {
        try
        {
            submissions.Add(await ingestion.SubmitAsync(await File.ReadAllBytesAsync(file), BatchFormats.JsonLines, Path.GetFileName(file)));
            break;
        }
        catch (IngestionBackpressureException ex)
        {
            await Task.Delay(ex.RetryAfter);
        }
    }
    Console.WriteLine($"submitted {Path.GetFileName(file)}");
    if (submitInterval > TimeSpan.Zero) await Task.Delay(submitInterval);
}

foreach (var submission in submissions) await ingestion.WaitUntilAppliedAsync(submission, TimeSpan.FromSeconds(120));
var applied = provider.GetRequiredService<ApplyMetrics>().Snapshot();
// What this run's rounds did: events counted now, and events found counted before (parts of rounds that committed before a kill).
Console.WriteLine($"applied {applied.EventsApplied} skipped {applied.EventsSkipped} refused {applied.EventsRefused} rounds {applied.Rounds}");
Console.WriteLine("done");
await engine.StopAsync();
return 0;

/// <summary>
/// Passes everything to the real store; from the N-th shard state write on, reports each durable write and then hangs,
/// so the round that made it never deletes its parts and its activity is never acknowledged.
/// </summary>
internal sealed class PausingBlobStore(IBlobStore inner, int pauseAfter) : IBlobStore
{
    private int _stateWrites;

    public async Task<BlobProperties> WriteAsync(string path, Stream content, BlobWriteCondition condition, CancellationToken cancellationToken = default)
    {
        var written = await inner.WriteAsync(path, content, condition, cancellationToken);
        if (path.EndsWith("/state.bin", StringComparison.Ordinal) && Interlocked.Increment(ref _stateWrites) >= pauseAfter)
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
