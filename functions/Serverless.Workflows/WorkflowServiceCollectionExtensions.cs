using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Serverless.Storage.Configuration;
using Serverless.Training.Configuration;

namespace Serverless.Workflows;

public static class WorkflowServiceCollectionExtensions
{
    /// <summary>
    /// Registers what the workflows' activities take in their constructors: configuration, the storage
    /// ports chosen by configuration (unless a host registered them already, for example with the Azure
    /// adapters), the training backend and a clock. Each workflow's options are read from configuration
    /// by its own activities.
    /// </summary>
    public static IServiceCollection AddServerlessWorkflows(this IServiceCollection services, IConfiguration configuration, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(configuration);
        services.TryAddSingleton(TimeProvider.System);
        if (!services.Any(d => d.ServiceType == typeof(StorageFactory))) services.AddServerlessStorage(configuration, baseDirectory);
        services.TryAddSingleton(provider => TrainingJobServiceFactory.Create(configuration, provider.GetService<ILoggerFactory>()));
        services.TryAddSingleton(new WorkflowPaths(Path.GetFullPath(baseDirectory ?? Directory.GetCurrentDirectory())));
        services.TryAddSingleton(provider => Inputs.InputFiles.FromConfiguration(configuration, provider.GetRequiredService<WorkflowPaths>()));
        Experiments.ExperimentServiceCollectionExtensions.AddExperimentServices(services, configuration);
        return services;
    }
}

/// <summary>The folder relative paths in configuration are resolved against (the host's or CLI's working folder).</summary>
public sealed record WorkflowPaths(string BaseDirectory)
{
    public string Resolve(string path) => Path.GetFullPath(Path.Combine(BaseDirectory, path));
}
