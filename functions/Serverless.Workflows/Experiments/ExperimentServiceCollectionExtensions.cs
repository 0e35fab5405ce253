using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Serverless.Workflows.Experiments;

public static class ExperimentServiceCollectionExtensions
{
    /// <summary>
    /// The experiments area's services: settings from <c>Serverless:Experiments</c>, the definition store, the aggregate
    /// store, the recomputer, the assignment service and event ingestion (which needs an DurableTaskClient, registered by the engine).
    /// </summary>
    public static IServiceCollection AddExperimentServices(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(provider => ExperimentsSettings.FromConfiguration(configuration, provider.GetRequiredService<WorkflowPaths>()));
        services.TryAddSingleton<ExperimentDefinitionStore>();
        services.TryAddSingleton<AggregateStore>();
        services.TryAddSingleton<ExperimentRecomputer>();
        services.TryAddSingleton<AssignmentService>();
        services.TryAddSingleton<EventIngestion>();
        return services;
    }
}
