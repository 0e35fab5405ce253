using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Durable.Embedded;
using Serverless.Forecasting.Synthetic;
using Serverless.Storage.Blobs;
using Serverless.Storage.Blobs.FileSystem;
using Serverless.Workflows.Forecasting;

namespace Serverless.Workflows.Tests.Forecasting;

/// <summary>
/// A temporary folder with a local blob store holding a small generated chain (3 stores x 5 items,
/// two years), a notification file, the workflow services and the embedded engine. The model config is
/// small so a whole run takes about a second.
/// </summary>
internal sealed class ForecastTestEnvironment : IAsyncDisposable
{
    public const string RunDate = "2024-06-01";

    public static readonly GeneratorOptions Chain = new()
    {
        Seed = 7,
        Start = new DateOnly(2022, 6, 1),
        End = new DateOnly(2024, 5, 31),
        StoreCount = 3,
        ItemCount = 5,
    };

    public const string SmallConfig = """
        {
          "model": { "iterations": 40, "leaves": 15, "minExamplesPerLeaf": 20, "trainingWindowDays": 180 },
          "backtest": { "origins": 2, "calibrationOrigins": 1, "calibrationBuckets": 3 }
        }
        """;

    private readonly ServiceProvider _services;
    private readonly Action<EmbeddedEngineOptions>? _engineOptions;

    private ForecastTestEnvironment(string root, ServiceProvider services, EmbeddedEngine engine, IBlobStore blobs,
        Action<EmbeddedEngineOptions>? engineOptions)
    {
        Root = root;
        _services = services;
        Engine = engine;
        Blobs = blobs;
        _engineOptions = engineOptions;
    }

    public string Root { get; }

    public EmbeddedEngine Engine { get; private set; }

    public IBlobStore Blobs { get; }

    public string BlobFolder => Path.Combine(Root, "blobs");

    public string NotificationFile => Path.Combine(Root, "notifications.jsonl");

    public string DatabaseFile => Path.Combine(Root, "engine.db");

    /// <param name="root">An existing folder to use (its dataset is kept), or null for a new one.</param>
    /// <param name="wrap">Wraps the blob store the activities see (to observe or break writes).</param>
    /// <param name="durable">SQLite file instead of the in-memory engine (for restarts).</param>
    /// <param name="engine">Changes the engine's options (default version, clock) here and on every restart.</param>
    public static async Task<ForecastTestEnvironment> StartAsync(string? root = null, Func<IBlobStore, IBlobStore>? wrap = null,
        bool durable = false, bool generate = true, IDictionary<string, string?>? settings = null, Action<EmbeddedEngineOptions>? engine = null)
    {
        root ??= Path.Combine(Path.GetTempPath(), "forecast-wf-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        var values = new Dictionary<string, string?>
        {
            ["Serverless:Storage:Blobs"] = "file:" + Path.Combine(root, "blobs"),
            ["Serverless:Storage:Documents"] = "sqlite:" + Path.Combine(root, "documents.db"),
            ["Serverless:Storage:Notifications"] = "file:" + Path.Combine(root, "notifications.jsonl"),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) values[key] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var collection = new ServiceCollection().AddServerlessWorkflows(configuration, root);
        IBlobStore blobs = new FileSystemBlobStore(Path.Combine(root, "blobs"));
        if (wrap is not null) blobs = wrap(blobs);
        collection.AddSingleton(blobs);
        var services = collection.BuildServiceProvider();
        if (generate && await ForecastDatasets.ReadManifestAsync(blobs, ForecastArtifacts.DefaultDataset) is null)
        {
            await ForecastDatasets.GenerateAsync(new FileSystemBlobStore(Path.Combine(root, "blobs")), ForecastArtifacts.DefaultDataset, Chain);
        }
        var started = CreateEngine(root, services, durable, engine);
        await started.StartAsync();
        return new ForecastTestEnvironment(root, services, started, blobs, engine);
    }

    private static EmbeddedEngine CreateEngine(string root, IServiceProvider services, bool durable, params Action<EmbeddedEngineOptions>?[] configure)
    {
        var options = new EmbeddedEngineOptions
        {
            InMemory = !durable,
            DatabasePath = Path.Combine(root, "engine.db"),
            WorkerId = "forecast-tests",
            PollInterval = TimeSpan.FromMilliseconds(20),
        };
        foreach (var change in configure) change?.Invoke(options);
        return new EmbeddedEngine(ForecastingWorkflows.Register(new DurableTaskRegistry()), options, services);
    }

    /// <summary>
    /// Stops the engine (as a crashed, stopped or redeployed host would) and starts a new one on the same database;
    /// <paramref name="redeploy"/> changes the new engine's options (a new default version, as a deploy brings).
    /// </summary>
    public async Task RestartEngineAsync(Action<EmbeddedEngineOptions>? redeploy = null)
    {
        await Engine.DisposeAsync();
        Engine = CreateEngine(Root, _services, durable: true, _engineOptions, redeploy);
        await Engine.StartAsync();
    }

    public static WeeklyForecastInput Input(string? config = SmallConfig, string runDate = RunDate) =>
        new(RunDate: runDate, Config: config is null ? null : JsonDocument.Parse(config).RootElement.Clone());

    public Task<string> StartRunAsync(WeeklyForecastInput? input = null, string? instanceId = null) =>
        Engine.Client.ScheduleNewOrchestrationInstanceAsync(WeeklyForecastOrchestrator.Name, input ?? Input(),
            new StartOrchestrationOptions(instanceId, null));

    public Task ReviewAsync(string instanceId, ForecastReviewDecision decision) =>
        Engine.Client.RaiseEventAsync(instanceId, WeeklyForecastOrchestrator.ReviewEvent, decision);

    public async Task<OrchestrationMetadata> WaitAsync(string instanceId, int seconds = 120)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        return await Engine.Client.WaitForInstanceCompletionAsync(instanceId, true, timeout.Token);
    }

    /// <summary>Starts a run, approves it at once (the event waits in the inbox) and returns the completed instance.</summary>
    public async Task<WeeklyForecastOutput> RunApprovedAsync(WeeklyForecastInput? input = null, ForecastReviewDecision? decision = null)
    {
        var id = await StartRunAsync(input);
        await ReviewAsync(id, decision ?? new ForecastReviewDecision("approve", "Tanaka"));
        var state = await WaitAsync(id);
        Assert.True(state.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"{state.RuntimeStatus}: {state.FailureDetails?.ErrorMessage}");
        return state.ReadOutputAs<WeeklyForecastOutput>()!;
    }

    public async Task<List<string>> ListAsync(string prefix)
    {
        var paths = new List<string>();
        await foreach (var item in Blobs.ListAsync(prefix)) paths.Add(item.Path);
        return paths;
    }

    public async Task<StoreOrderFile> ReadStoreFileAsync(string path) => await ForecastArtifacts.ReadJsonAsync<StoreOrderFile>(Blobs, path, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync();
        await _services.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by the OS is cleaned with the temp folder.
        }
    }
}

/// <summary>A blob store that passes everything through and records each blob it created.</summary>
internal class RecordingBlobStore(IBlobStore inner) : IBlobStore
{
    private readonly List<string> _created = [];

    public IReadOnlyList<string> Created
    {
        get
        {
            lock (_created) return _created.ToList();
        }
    }

    public virtual async Task<BlobProperties> WriteAsync(string path, Stream content, BlobWriteCondition condition, CancellationToken cancellationToken = default)
    {
        var written = await inner.WriteAsync(path, content, condition, cancellationToken);
        if (condition.Mode == BlobWriteMode.IfAbsent)
        {
            lock (_created) _created.Add(path);
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
