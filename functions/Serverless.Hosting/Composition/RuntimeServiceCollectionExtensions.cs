using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Serverless.Hosting.Api;
using Serverless.Durable.Embedded;
using Serverless.Storage.Azure;
using Serverless.Workflows;

namespace Serverless.Hosting.Composition;

public static class RuntimeServiceCollectionExtensions
{
    /// <summary>
    /// Everything a process on one machine needs to run the workflows: the storage ports chosen by
    /// configuration (local files and SQLite by default, Azure adapters when configured), the workflows'
    /// services, and a Durable Task worker and client with every orchestrator and activity of
    /// <see cref="WorkflowCatalog"/> on the embedded engine. The CLI and the local host both compose themselves with this.
    /// </summary>
    public static IServiceCollection AddServerlessRuntime(this IServiceCollection services, IConfiguration configuration,
        string baseDirectory, Action<EmbeddedEngineOptions>? configureEngine = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddServerlessAzureStorage(configuration, baseDirectory);
        services.AddServerlessWorkflows(configuration, baseDirectory);
        void ConfigureEngine(EmbeddedEngineOptions options)
        {
            configuration.GetSection("Serverless:Engine").Bind(options);
            options.DatabasePath = Path.GetFullPath(Path.Combine(baseDirectory, options.DatabasePath));
            // New instances start at the app's orchestration version, as host.json's defaultVersion does on Azure.
            if (string.IsNullOrWhiteSpace(options.DefaultVersion)) options.DefaultVersion = Serverless.Workflows.Common.WorkflowVersions.Current;
            configureEngine?.Invoke(options);
        }
        services.AddEmbeddedDurableEngine(registry => WorkflowCatalog.Register(registry), ConfigureEngine);
        services.TryAddSingleton<IDurableClientAccessor>(provider => new FixedDurableClientAccessor(provider.GetRequiredService<DurableTaskClient>()));
        return services;
    }
}
