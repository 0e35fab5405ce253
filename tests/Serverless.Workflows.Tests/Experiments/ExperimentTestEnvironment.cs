using Serverless.Workflows.Tests.TestSupport;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.DurableTask;
using Serverless.Durable;
using Serverless.Durable.Embedded;
using Serverless.Experiments.Aggregation;
using Serverless.Experiments.Allocation;
using Serverless.Experiments.Assignment;
using Serverless.Experiments.Definitions;
using Serverless.Storage.Blobs;
using Serverless.Storage.Configuration;
using Serverless.Workflows.Experiments;

namespace Serverless.Workflows.Tests.Experiments;

/// <summary>
/// The experiments area composed as the host composes it (local blobs and SQLite documents in a temporary folder, the
/// definitions below, optionally the embedded engine in memory), with a blob store whose reads and writes tests can intercept.
/// </summary>
internal sealed class ExperimentTestEnvironment : IAsyncDisposable
{
    public static readonly DateTimeOffset EventsStart = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    public const string DefinitionsJson = """
        {
          "experiments": [
            { "id": "ranker", "control": "als-v1", "primaryMetric": "conversion", "mode": "thompson",
              "minimumExposurePerVariant": 50, "floorWeight": 0.1, "maxWeightStep": 0.2, "start": "2026-10-01T00:00:00Z",
              "variants": [ { "id": "als-v1", "weight": 0.5, "parameters": { "model": "als/v1" } },
                            { "id": "als-v2", "weight": 0.5, "parameters": { "model": "als/v2" } } ] },
            { "id": "banner", "control": "off", "primaryMetric": "valuePerUser", "mode": "fixed", "start": "2026-10-01T00:00:00Z",
              "variants": [ { "id": "off", "weight": 0.5, "parameters": { "banner": "off" } },
                            { "id": "on", "weight": 0.5, "parameters": { "banner": "on" } } ] },
            { "id": "finished", "control": "a", "start": "2026-01-01T00:00:00Z", "stop": "2026-02-01T00:00:00Z",
              "variants": [ { "id": "a", "weight": 0.5 }, { "id": "b", "weight": 0.5 } ] }
          ]
        }
        """;

    private readonly ServiceProvider _provider;

    public ExperimentTestEnvironment(bool withEngine = false, IDictionary<string, string?>? settings = null, string? definitionsJson = DefinitionsJson)
    {
        Directory = Path.Combine(Path.GetTempPath(), "experiments-tests-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        var values = new Dictionary<string, string?>
        {
            [StorageSettingNames.Blobs] = "file:" + Path.Combine(Directory, "blobs"),
            [StorageSettingNames.Documents] = "sqlite:" + Path.Combine(Directory, "documents.db"),
            [StorageSettingNames.Notifications] = "log",
        };
        if (definitionsJson is not null)
        {
            File.WriteAllText(Path.Combine(Directory, "experiments.json"), definitionsJson);
            values["Serverless:Experiments:DefinitionsPath"] = "experiments.json";
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) values[key] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddServerlessWorkflows(configuration, Directory);
        services.AddSingleton(provider => new InterceptingBlobStore(provider.GetRequiredService<StorageFactory>().CreateBlobStore()));
        services.AddSingleton<IBlobStore>(provider => provider.GetRequiredService<InterceptingBlobStore>());
        if (withEngine)
        {
            services.AddEmbeddedDurableEngine(registry => WorkflowCatalog.Register(registry), options =>
            {
                options.InMemory = true;
                options.PollInterval = TimeSpan.FromMilliseconds(10);
            });
        }
        _provider = services.BuildServiceProvider();
    }

    public string Directory { get; }

    public IServiceProvider Services => _provider;

    public InterceptingBlobStore Blobs => _provider.GetRequiredService<InterceptingBlobStore>();

    public T Get<T>() where T : notnull => _provider.GetRequiredService<T>();

    public EmbeddedEngine Engine => _provider.GetRequiredService<EmbeddedEngine>();

    public async Task<ExperimentDefinition> DefinitionAsync(string id) =>
        (await Get<ExperimentDefinitionStore>().GetAsync(id))!.Value.Definition;

    /// <summary>The stored aggregate's canonical JSON, or null when none was written.</summary>
    public async Task<string?> AggregateJsonAsync(string experimentId)
    {
        var loaded = await Get<AggregateStore>().TryLoadAsync(experimentId);
        return loaded?.Aggregate.ToJson();
    }

    public async Task<ExperimentBatchInput> StoreBatchAsync(byte[] body, string format = BatchFormats.JsonLines, string source = "events.jsonl", int firstLine = 1)
    {
        var catalog = await Get<ExperimentDefinitionStore>().GetCatalogAsync();
        using var parser = new Serverless.Experiments.Events.EventBatchParser(catalog);
        using var batch = format == BatchFormats.JsonArray ? parser.ParseJsonArray(body, source) : parser.ParseJsonLines(body, source, firstLine);
        var path = ExperimentKeys.BatchPath(batch.Identity.Key, format);
        await Blobs.Inner.WriteOnceAsync(path, body);
        return new ExperimentBatchInput(path, batch.Identity.Key, format, source, firstLine);
    }

    public Task<ExperimentBatchApplied> ApplyAsync(ExperimentBatchInput input) =>
        ActivatorUtilities.CreateInstance<ApplyExperimentBatchActivity>(_provider)
            .RunAsync(new TestActivityContext(ApplyExperimentBatchActivity.Name, "test"), input);

    public async ValueTask DisposeAsync()
    {
        await _provider.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A SQLite file still closing; the temporary folder is cleaned by the system.
        }
    }
}

/// <summary>Events of a simulated experiment: users hashed onto weights, exposed, some clicking and converting.</summary>
internal static class EventFactory
{
    public static string Event(string eventId, string experiment, string variant, string user, string type, DateTimeOffset timestamp, double? value = null)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("eventId", eventId);
            writer.WriteString("experiment", experiment);
            writer.WriteString("variant", variant);
            writer.WriteString("user", user);
            writer.WriteString("type", type);
            if (value is { } v) writer.WriteNumber("value", v);
            writer.WriteString("timestamp", timestamp.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>
    /// <paramref name="users"/> users of <paramref name="definition"/> arriving one per second from <paramref name="from"/>,
    /// each exposed once, converting with the variant's rate (and, for value metrics, a value).
    /// </summary>
    public static List<string> Simulate(ExperimentDefinition definition, int users, double[] conversionRates, int seed,
        DateTimeOffset? from = null, AllocationWeights? weights = null, int firstUser = 0)
    {
        var random = new Random(seed);
        var start = from ?? ExperimentTestEnvironment.EventsStart;
        weights ??= definition.InitialWeights;
        var lines = new List<string>();
        for (var i = 0; i < users; i++)
        {
            var user = $"user-{firstUser + i}";
            var at = start.AddSeconds(i);
            var variant = VariantAssigner.Assign(definition, user, weights, null, at).VariantId;
            lines.Add(Event($"{definition.Id}-{user}-x", definition.Id, variant, user, "exposure", at));
            if (random.NextDouble() < 0.3) lines.Add(Event($"{definition.Id}-{user}-k", definition.Id, variant, user, "click", at.AddSeconds(0.2)));
            if (random.NextDouble() < conversionRates[definition.IndexOfVariant(variant)])
            {
                double? value = definition.PrimaryMetric == PrimaryMetric.ValuePerUser ? Math.Round(5 + random.NextDouble() * 50, 2) : null;
                lines.Add(Event($"{definition.Id}-{user}-c", definition.Id, variant, user, "conversion", at.AddSeconds(0.5), value));
            }
        }
        return lines;
    }

    public static byte[] Lines(IEnumerable<string> records) => Encoding.UTF8.GetBytes(string.Join("\n", records) + "\n");

    public static byte[] Array(IEnumerable<string> records) => Encoding.UTF8.GetBytes("[" + string.Join(",\n", records) + "]");

    /// <summary>Cuts records into batches of <paramref name="size"/>.</summary>
    public static List<byte[]> Batches(IReadOnlyList<string> records, int size) =>
        records.Chunk(size).Select(chunk => Lines(chunk)).ToList();
}

/// <summary>
/// A blob store that passes everything to the real one, with hooks: before a read (to hold readers at a barrier) and
/// after a write (to simulate the process dying once the write is durable but before anyone hears of it).
/// </summary>
internal sealed class InterceptingBlobStore(IBlobStore inner) : IBlobStore
{
    public IBlobStore Inner { get; } = inner;

    public Func<string, Task>? BeforeRead { get; set; }

    public Action<string>? AfterWrite { get; set; }

    public async Task<BlobProperties> WriteAsync(string path, Stream content, BlobWriteCondition condition, CancellationToken cancellationToken = default)
    {
        var written = await Inner.WriteAsync(path, content, condition, cancellationToken);
        AfterWrite?.Invoke(path);
        return written;
    }

    public async Task<BlobContent> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        if (BeforeRead is { } hook) await hook(path);
        return await Inner.ReadAsync(path, cancellationToken);
    }

    public Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default) => Inner.OpenReadAsync(path, cancellationToken);

    public Task<bool> ExistsAsync(string path, CancellationToken cancellationToken = default) => Inner.ExistsAsync(path, cancellationToken);

    public Task<BlobProperties?> GetPropertiesAsync(string path, CancellationToken cancellationToken = default) => Inner.GetPropertiesAsync(path, cancellationToken);

    public IAsyncEnumerable<BlobItem> ListAsync(string prefix, CancellationToken cancellationToken = default) => Inner.ListAsync(prefix, cancellationToken);

    public Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default) => Inner.DeleteAsync(path, cancellationToken);
}

/// <summary>The process "died" right after a durable write.</summary>
internal sealed class SimulatedCrashException(string path) : Exception($"simulated crash after writing {path}");
