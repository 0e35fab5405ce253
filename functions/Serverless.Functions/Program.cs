using Azure.Core.Serialization;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Serverless.Hosting.Telemetry;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Serverless.Durable;
using Serverless.Functions.Runtime;
using Serverless.Hosting.Api;
using Serverless.Storage.Azure;
using Serverless.Workflows;
using Serverless.Workflows.Experiments;

namespace Serverless.Functions;

/// <summary>
/// The Function App: the isolated worker with ASP.NET Core integration (so HTTP functions take
/// <c>HttpRequest</c> and call the handlers shared with the local host), the storage adapters chosen by
/// configuration (Azure Blob and Cosmos DB in Azure, see docs/operations.md), the workflows' services, and
/// the registry of every orchestrator and activity. Durable Functions is the engine.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        var host = new HostBuilder()
            .ConfigureFunctionsWebApplication()
            .ConfigureServices((context, services) => ConfigureServices(services, context.Configuration, AppContext.BaseDirectory))
            .Build();
        host.Run();
    }

    public static IServiceCollection ConfigureServices(IServiceCollection services, IConfiguration configuration, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddServerlessAzureStorage(configuration, baseDirectory);
        // The Durable client is the binding's, per function invocation: handlers reach it through the request's
        // scope, and event ingestion is made per scope with it (the local runtime's one client makes it a singleton
        // there, so this registration comes first).
        services.TryAddScoped<OrchestrationClientScope>();
        services.TryAddScoped<IDurableClientAccessor>(provider => provider.GetRequiredService<OrchestrationClientScope>());
        services.TryAddScoped(provider => ActivatorUtilities.CreateInstance<EventIngestion>(provider, provider.GetRequiredService<OrchestrationClientScope>().Client));
        services.AddServerlessWorkflows(configuration, baseDirectory);
        services.TryAddSingleton(_ => WorkflowCatalog.Create());
        services.TryAddSingleton<WorkflowRunner>();
        // One JSON style for Durable payloads, HTTP bodies and the local engines: camelCase, enums as strings.
        // Durable Functions' isolated extension serializes inputs, outputs and custom status with this serializer.
        services.Configure<WorkerOptions>(options => options.Serializer = new JsonObjectSerializer(DurableJson.Options));
        AddTelemetry(services, configuration);
        return services;
    }

    /// <summary>
    /// Traces, metrics and logs of the worker to Application Insights (host.json's <c>telemetryMode</c> is OpenTelemetry,
    /// so the host sends its own, Durable Functions' orchestration and activity spans among them). Each function
    /// invocation is a span under the host's, and the application's spans (webhook deliveries) nest under it. The
    /// exporter authenticates with the app's managed identity (<c>AZURE_CLIENT_ID</c>): the component accepts no keys.
    /// </summary>
    internal static void AddTelemetry(IServiceCollection services, IConfiguration configuration)
    {
        var telemetry = services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .WithTracing(tracing => tracing.AddSource([.. TelemetrySources.ApplicationSources]))
            .WithMetrics(metrics => metrics.AddMeter([.. TelemetrySources.ApplicationMeters]));
        if (string.IsNullOrWhiteSpace(configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"])) return;
        telemetry.UseAzureMonitorExporter(options =>
        {
            var clientId = configuration["AZURE_CLIENT_ID"];
            options.Credential = string.IsNullOrWhiteSpace(clientId)
                ? new DefaultAzureCredential()
                : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
        });
    }
}
