using Serverless.Durable.Embedded;

namespace Serverless.Durable.Tests;

/// <summary>An embedded engine on a fresh SQLite file in a temporary folder, removed on dispose.</summary>
internal sealed class TestEngine : IAsyncDisposable
{
    private TestEngine(string folder, EmbeddedEngine engine, DurableTaskRegistry registry, EmbeddedEngineOptions options)
    {
        Folder = folder;
        Engine = engine;
        Registry = registry;
        Options = options;
    }

    public string Folder { get; }

    public EmbeddedEngine Engine { get; private set; }

    public DurableTaskRegistry Registry { get; }

    public EmbeddedEngineOptions Options { get; }

    public EmbeddedDurableTaskClient Client => Engine.Client;

    public string DatabasePath => Options.DatabasePath;

    public static async Task<TestEngine> StartAsync(Action<DurableTaskRegistry> register,
        Action<EmbeddedEngineOptions>? configure = null, bool start = true)
    {
        var folder = Path.Combine(Path.GetTempPath(), "serverless-durable-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var registry = new DurableTaskRegistry();
        register(registry);
        var options = new EmbeddedEngineOptions
        {
            DatabasePath = Path.Combine(folder, "engine.db"),
            PollInterval = TimeSpan.FromMilliseconds(50),
        };
        configure?.Invoke(options);
        var engine = new EmbeddedEngine(registry, options);
        if (start) await engine.StartAsync();
        return new TestEngine(folder, engine, registry, options);
    }

    /// <summary>Stops the engine and starts a new one on the same database, as after a process restart.</summary>
    public async Task RestartAsync(Action<DurableTaskRegistry>? reRegister = null)
    {
        await Engine.DisposeAsync();
        var registry = Registry;
        if (reRegister is not null)
        {
            registry = new DurableTaskRegistry();
            reRegister(registry);
        }
        Engine = new EmbeddedEngine(registry, Options);
        await Engine.StartAsync();
    }

    public async Task<OrchestrationMetadata> RunAsync(string name, object? input = null, string? instanceId = null, int timeoutSeconds = 30)
    {
        var id = await Client.ScheduleNewOrchestrationInstanceAsync(name, input, new StartOrchestrationOptions(instanceId, null));
        return await WaitAsync(id, timeoutSeconds);
    }

    public async Task<OrchestrationMetadata> WaitAsync(string instanceId, int timeoutSeconds = 30)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        return await Client.WaitForInstanceCompletionAsync(instanceId, true, timeout.Token);
    }

    /// <summary>Waits (with a deadline) until the instance's custom status or status satisfies a condition.</summary>
    public async Task<OrchestrationMetadata> WaitForAsync(string instanceId, Func<OrchestrationMetadata, bool> condition, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            var metadata = await Client.GetInstanceAsync(instanceId, true);
            if (metadata is not null && condition(metadata)) return metadata;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Instance {instanceId} did not reach the expected state; last: {metadata?.RuntimeStatus}");
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
