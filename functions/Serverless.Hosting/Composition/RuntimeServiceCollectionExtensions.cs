using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Serverless.Durable;
using Serverless.Durable.AzureStorage;
using Serverless.Durable.Embedded;
using Serverless.Hosting.Api;
using Serverless.Storage.Azure;
using Serverless.Workflows;
using Serverless.Workflows.Common;

namespace Serverless.Hosting.Composition;

public static class RuntimeServiceCollectionExtensions
{
    public const string ProviderSetting = "Serverless:Engine:Provider";

    /// <summary>
    /// Everything a process needs to run the workflows: the storage ports chosen by configuration (local files and
    /// SQLite by default, Azure adapters when configured), the workflows' services, and a Durable Task worker and client
    /// with every orchestrator and activity of <see cref="WorkflowCatalog"/> on the engine <c>Serverless:Engine:Provider</c>
    /// names: <c>Embedded</c> (the default; SQLite on this machine) or <c>AzureStorage</c> (the real Durable Task runtime
    /// on a storage account, shared by every worker process given the same task hub). The CLI and the local host both
    /// compose themselves with this.
    /// </summary>
    public static IServiceCollection AddServerlessRuntime(this IServiceCollection services, IConfiguration configuration,
        string baseDirectory, Action<EmbeddedEngineOptions>? configureEngine = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddServerlessAzureStorage(configuration, baseDirectory);
        services.AddServerlessWorkflows(configuration, baseDirectory);
        // One JSON style for every engine's payloads, as the Function App's worker serializer has it.
        services.TryAddSingleton<DataConverter>(DurableJson.Converter);

        var provider = EngineProviders.Parse(configuration[ProviderSetting]);
        switch (provider)
        {
            case EngineProvider.AzureStorage:
                services.AddDurableTaskWorker(builder =>
                {
                    builder.AddTasks(registry => WorkflowCatalog.Register(registry));
                    builder.UseAzureStorage(options => configuration.GetSection(AzureStorageEngineOptions.Section).Bind(options));
                    // Sub-orchestrations start at the app's version too, as host.json's defaultVersion makes them on Azure.
                    builder.UseVersioning(new DurableTaskWorkerOptions.VersioningOptions
                    {
                        Version = WorkflowVersions.Current,
                        DefaultVersion = WorkflowVersions.Current,
                        MatchStrategy = DurableTaskWorkerOptions.VersionMatchStrategy.None,
                    });
                });
                services.AddDurableTaskClient(builder => builder.UseAzureStorage().UseDefaultVersion(WorkflowVersions.Current));
                services.TryAddSingleton(sp =>
                {
                    var hub = sp.GetRequiredService<AzureStorageTaskHub>();
                    return new EngineDescription(EngineProvider.AzureStorage, hub.Options.WorkerId ?? $"{Environment.MachineName}-{Environment.ProcessId}", hub.Description);
                });
                break;
            default:
                void ConfigureEngine(EmbeddedEngineOptions options)
                {
                    configuration.GetSection("Serverless:Engine").Bind(options);
                    options.DatabasePath = Path.GetFullPath(Path.Combine(baseDirectory, options.DatabasePath));
                    // New instances start at the app's orchestration version, as host.json's defaultVersion does on Azure.
                    if (string.IsNullOrWhiteSpace(options.DefaultVersion)) options.DefaultVersion = WorkflowVersions.Current;
                    configureEngine?.Invoke(options);
                }
                services.AddEmbeddedDurableEngine(registry => WorkflowCatalog.Register(registry), ConfigureEngine);
                services.TryAddSingleton(sp =>
                {
                    var engine = sp.GetRequiredService<EmbeddedEngine>();
                    return new EngineDescription(EngineProvider.Embedded, engine.WorkerId, engine.DatabaseDescription);
                });
                break;
        }
        services.TryAddSingleton<IDurableClientAccessor>(sp => new FixedDurableClientAccessor(sp.GetRequiredService<DurableTaskClient>()));
        return services;
    }
}

/// <summary>The engines a process can run workflows on (<c>Serverless:Engine:Provider</c>).</summary>
public enum EngineProvider
{
    /// <summary>The embedded SQLite engine: one machine, no services (the default).</summary>
    Embedded,

    /// <summary>The real Durable Task runtime on DurableTask.AzureStorage: Azurite here, a storage account for workers on several machines.</summary>
    AzureStorage,
}

public static class EngineProviders
{
    /// <summary>The provider a setting names (any case; empty is Embedded), or one error naming the setting and the choices.</summary>
    public static EngineProvider Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return EngineProvider.Embedded;
        if (Enum.TryParse<EngineProvider>(value, ignoreCase: true, out var provider) && !int.TryParse(value, out _)) return provider;
        throw new InvalidOperationException(
            $"{RuntimeServiceCollectionExtensions.ProviderSetting} = '{value}' is not an engine; choose {string.Join(" or ", Enum.GetNames<EngineProvider>())}.");
    }
}

/// <summary>Which engine this process runs, who it is there and where its state lives (for the banner and health).</summary>
public sealed record EngineDescription(EngineProvider Provider, string WorkerId, string Location);
