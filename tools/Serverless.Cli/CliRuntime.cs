using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.Durable.Embedded;
using Serverless.Hosting.Composition;
using Serverless.Hosting.Telemetry;

namespace Serverless.Cli;

/// <summary>
/// The services a CLI command runs workflows with: the same composition as the local host (so the same engine
/// choice, <c>Serverless:Engine:Provider</c>), with the CLI's own worker id so a command beside a running host
/// never takes the host's leases for its own. The worker runs only when a command starts it.
/// </summary>
internal sealed class CliRuntime : IAsyncDisposable
{
    private readonly ServiceProvider _provider;
    private List<IHostedService> _started = [];

    private CliRuntime(ServiceProvider provider) => _provider = provider;

    public IServiceProvider Services => _provider;

    public DurableTaskClient Client => _provider.GetRequiredService<DurableTaskClient>();

    public EngineDescription Engine => _provider.GetRequiredService<EngineDescription>();

    /// <summary>
    /// What is left to happen in the engine's database, where the engine can tell (the embedded one); null otherwise,
    /// and then a follower relies on the instance's status alone.
    /// </summary>
    public PendingWork? PendingWork() => _provider.GetService<EmbeddedEngine>()?.GetPendingWork();

    public static CliRuntime Create(string? databaseOverride, LogLevel minimumLevel = LogLevel.Warning)
    {
        var configuration = CliSettings.Load();
        var baseDirectory = Directory.GetCurrentDirectory();
        var databasePath = !string.IsNullOrWhiteSpace(databaseOverride) ? databaseOverride
            : configuration["Serverless:Engine:DatabasePath"] is { Length: > 0 } configured ? configured
            : Path.Combine(StateFiles.DefaultFolder, "engine.db");
        // Private state from the first file on (700 folders, 600 databases); a path that cannot be used is one clear error.
        StateFiles.Prepare(baseDirectory, Path.GetFullPath(Path.Combine(baseDirectory, databasePath)));
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(minimumLevel));
        services.AddServerlessRuntime(configuration, baseDirectory, options =>
        {
            if (!string.IsNullOrWhiteSpace(databaseOverride)) options.DatabasePath = Path.GetFullPath(databaseOverride);
            options.WorkerId = $"{Environment.MachineName}-cli-{Environment.ProcessId}";
            options.PollInterval = TimeSpan.FromMilliseconds(100);
        });
        // Off unless configured (Serverless:Telemetry:*): a command is short and usually has no collector beside it.
        services.AddServerlessTelemetry(configuration, otlpByDefault: false);
        var provider = services.BuildServiceProvider();
        // No generic host here to start them: exporters run once their providers are resolved, and flush on dispose.
        provider.GetService<OpenTelemetry.Trace.TracerProvider>();
        provider.GetService<OpenTelemetry.Metrics.MeterProvider>();
        return new CliRuntime(provider);
    }

    /// <summary>Starts the Durable Task worker in this process, so the instances a command follows make progress here.</summary>
    public async Task StartWorkerAsync(CancellationToken cancellationToken)
    {
        if (_started.Count > 0) return;
        foreach (var service in _provider.GetServices<IHostedService>())
        {
            await service.StartAsync(cancellationToken);
            _started.Add(service);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in Enumerable.Reverse(_started)) await service.StopAsync(CancellationToken.None);
        _started = [];
        await _provider.DisposeAsync();
    }
}
