using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.Durable.AzureStorage;
using Serverless.Hosting.Composition;
using Serverless.Storage.Blobs;
using Serverless.Storage.Blobs.FileSystem;

namespace Serverless.Workflows.Tests.RealRuntime;

/// <summary>
/// A process composed as the CLI and the local host compose themselves (<c>AddServerlessRuntime</c>), on the engine
/// <c>Serverless:Engine:Provider</c> names: the embedded engine, or the real Durable Task runtime on a fresh Azure
/// Storage task hub in Azurite. Its files live in a temporary folder; the task hub is deleted on dispose.
/// </summary>
internal sealed class RuntimeHost : IAsyncDisposable
{
    private readonly IHost _host;

    private RuntimeHost(IHost host, string root, EngineProvider provider)
    {
        _host = host;
        Root = root;
        Provider = provider;
    }

    public string Root { get; }

    public EngineProvider Provider { get; }

    public IServiceProvider Services => _host.Services;

    public DurableTaskClient Client => _host.Services.GetRequiredService<DurableTaskClient>();

    public IBlobStore Blobs => _host.Services.GetRequiredService<IBlobStore>();

    public string BlobFolder => Path.Combine(Root, "blobs");

    /// <param name="storageConnectionString">Azurite's connection string: the AzureStorage provider; null: the embedded engine.</param>
    /// <param name="prepare">Writes the run's input data into the new blob folder before the engine starts.</param>
    /// <param name="beforeStart">Writes files into the new root folder (settings files) before the host is built.</param>
    /// <param name="wrap">Wraps the blob store the activities see (to observe or break writes).</param>
    public static async Task<RuntimeHost> StartAsync(string? storageConnectionString, Func<IBlobStore, Task>? prepare = null,
        Func<IBlobStore, IBlobStore>? wrap = null, IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null, Func<string, Task>? beforeStart = null)
    {
        var root = Path.Combine(Path.GetTempPath(), "realruntime-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        var provider = storageConnectionString is null ? EngineProvider.Embedded : EngineProvider.AzureStorage;
        var values = new Dictionary<string, string?>
        {
            ["Serverless:Storage:Blobs"] = "file:" + Path.Combine(root, "blobs"),
            ["Serverless:Storage:Documents"] = "sqlite:" + Path.Combine(root, "documents.db"),
            ["Serverless:Storage:Notifications"] = "file:" + Path.Combine(root, "notifications.jsonl"),
            [RuntimeServiceCollectionExtensions.ProviderSetting] = provider.ToString(),
        };
        if (storageConnectionString is not null)
        {
            values["Serverless:Engine:AzureStorage:ConnectionString"] = storageConnectionString;
            values["Serverless:Engine:AzureStorage:TaskHubName"] = "wf" + Guid.NewGuid().ToString("N")[..16];
            values["Serverless:Engine:AzureStorage:PartitionCount"] = "2";
            values["Serverless:Engine:AzureStorage:MaxQueuePollingInterval"] = "00:00:00.250";
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) values[key] = value;

        if (beforeStart is not null) await beforeStart(root);
        var fileBlobs = new FileSystemBlobStore(Path.Combine(root, "blobs"));
        if (prepare is not null) await prepare(fileBlobs);

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(values);
        builder.Services.AddServerlessRuntime(builder.Configuration, root, options =>
        {
            options.InMemory = true;
            options.PollInterval = TimeSpan.FromMilliseconds(20);
        });
        if (wrap is not null) builder.Services.AddSingleton(wrap(fileBlobs));
        services?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return new RuntimeHost(host, root, provider);
    }

    public async Task<OrchestrationMetadata> WaitAsync(string instanceId, int seconds = 120)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        return await Client.WaitForInstanceCompletionAsync(instanceId, true, timeout.Token);
    }

    /// <summary>Every blob's path and bytes, in path order.</summary>
    public async Task<SortedDictionary<string, byte[]>> ReadAllBlobsAsync()
    {
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        var store = new FileSystemBlobStore(BlobFolder);
        await foreach (var item in store.ListAsync("")) files[item.Path] = await store.ReadAllBytesAsync(item.Path);
        return files;
    }

    public async ValueTask DisposeAsync()
    {
        // The task hub goes after the host: its partition manager still uses the hub's tables while it stops.
        var hub = Provider == EngineProvider.AzureStorage ? _host.Services.GetRequiredService<AzureStorageTaskHub>() : null;
        await _host.StopAsync();
        try
        {
            if (hub is not null) await hub.Service.DeleteAsync();
        }
        finally
        {
            _host.Dispose();
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
}
