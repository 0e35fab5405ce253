using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Durable.Embedded;
using Serverless.Recommendations.Data;
using Serverless.Storage.Blobs;
using Serverless.Storage.Documents;
using Serverless.Workflows.Recommendations;

namespace Serverless.Workflows.Tests.Recommendations;

/// <summary>
/// A temporary folder with the local blob store, the SQLite document store, a notification file and a
/// recommendation settings file, the workflow services over them, and the embedded engine.
/// </summary>
internal sealed class RecommendationTestEnvironment : IAsyncDisposable
{
    /// <summary>One small synthetic service: 300 users, 150 items, 3 user shards and 3 item shards.</summary>
    public const string SmallSettings = """
        {
          "userShardSize": 120,
          "itemShardSize": 60,
          "services": [
            {
              "service": "mini",
              "description": "a small job board",
              "synthetic": { "users": 300, "items": 150, "interactions": 9000, "categories": 6, "tasteClusters": 4, "preferredCategoriesPerCluster": 2, "seed": 11 },
              "als": { "factors": 16, "iterations": 8, "regularization": 10 },
              "rules": { "listLength": 5, "maxPerCategory": 3 }
            }
          ]
        }
        """;

    private readonly ServiceProvider _services;

    private RecommendationTestEnvironment(string root, ServiceProvider services, EmbeddedEngine engine)
    {
        Root = root;
        _services = services;
        Engine = engine;
    }

    public string Root { get; }
    public EmbeddedEngine Engine { get; }
    public string SettingsFile => Path.Combine(Root, "recommendations.json");
    public IBlobStore Blobs => _services.GetRequiredService<IBlobStore>();
    public IDocumentStore Documents => _services.GetRequiredService<IDocumentStore>();
    public IServiceProvider Services => _services;

    public static async Task<RecommendationTestEnvironment> StartAsync(string settings = SmallSettings)
    {
        var root = Path.Combine(Path.GetTempPath(), "recs-wf-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        await File.WriteAllTextAsync(Path.Combine(root, "recommendations.json"), settings);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Serverless:Storage:Blobs"] = "file:" + Path.Combine(root, "blobs"),
            ["Serverless:Storage:Documents"] = "sqlite:" + Path.Combine(root, "documents.db"),
            ["Serverless:Storage:Notifications"] = "file:" + Path.Combine(root, "notifications.jsonl"),
            [RecommendationSettings.ConfigPathKey] = "recommendations.json",
        }).Build();
        var services = new ServiceCollection().AddServerlessWorkflows(configuration, root).BuildServiceProvider();
        var engine = new EmbeddedEngine(WorkflowCatalog.Create(),
            new EmbeddedEngineOptions { InMemory = true, PollInterval = TimeSpan.FromMilliseconds(20) }, services);
        await engine.StartAsync();
        return new RecommendationTestEnvironment(root, services, engine);
    }

    /// <summary>The synthetic options of <see cref="SmallSettings"/>' service.</summary>
    public static SyntheticDataOptions SmallData { get; } = new()
    {
        Users = 300, Items = 150, Interactions = 9000, Categories = 6, TasteClusters = 4, PreferredCategoriesPerCluster = 2, Seed = 11,
    };

    public Task WriteSettingsAsync(string json) => File.WriteAllTextAsync(SettingsFile, json);

    /// <summary>
    /// Writes the small service's log as it stood at the end of day <paramref name="day"/> of its period (all of it
    /// when null), with its catalogue: the data of one refresh, then more data for the next.
    /// </summary>
    public async Task WriteLogUntilAsync(double? day)
    {
        var data = SyntheticInteractions.Generate(SmallData);
        var cut = day is { } d ? SmallData.Start.AddDays(d).ToUnixTimeMilliseconds() : long.MaxValue;
        var log = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        InteractionCsv.Write(log, data.Events.Where(e => e.TimestampMs < cut), includeTimestamps: true);
        var catalog = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        data.Catalog.WriteCsv(catalog);
        await WriteBlobAsync(RecommendationPaths.DefaultInteractions("mini"), log.ToString());
        await WriteBlobAsync(RecommendationPaths.DefaultCatalog("mini"), catalog.ToString());
    }

    public Task WriteBlobAsync(string path, string text) =>
        Blobs.WriteAsync(path, Encoding.UTF8.GetBytes(text), BlobWriteCondition.Overwrite);

    /// <summary>Runs a refresh to completion (the orchestration itself must complete) and returns its output.</summary>
    public async Task<RecommendationRefreshResult> RefreshAsync(RecommendationRefreshInput? input = null)
    {
        var id = await Engine.Client.ScheduleNewOrchestrationInstanceAsync(RecommendationRefreshOrchestrator.Name, input ?? new RecommendationRefreshInput());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var state = await Engine.Client.WaitForInstanceCompletionAsync(id, true, timeout.Token);
        Assert.True(state.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"{state.RuntimeStatus}: {state.FailureDetails}");
        return state.ReadOutputAs<RecommendationRefreshResult>()!;
    }

    /// <summary>Every document of a service (pointer, user lists, item lists) by address, with its ETag and body.</summary>
    public async Task<SortedDictionary<string, (string ETag, string Body)>> SnapshotAsync(string service)
    {
        var snapshot = new SortedDictionary<string, (string, string)>(StringComparer.Ordinal);
        var pointer = await Documents.ReadAsync(RecommendationPaths.ServicesPartition, service);
        if (pointer is not null) snapshot["pointer"] = (pointer.ETag, pointer.Body.GetRawText());
        foreach (var partition in new[] { RecommendationPaths.UserPartition(service), RecommendationPaths.ItemPartition(service) })
        {
            await foreach (var document in Documents.QueryAsync(partition))
            {
                Assert.True(snapshot.TryAdd(partition + "|" + document.Id, (document.ETag, document.Body.GetRawText())), "duplicate " + document.Id);
            }
        }
        return snapshot;
    }

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync();
        await _services.DisposeAsync();
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
