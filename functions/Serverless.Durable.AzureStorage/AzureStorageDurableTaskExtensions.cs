using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Serverless.Durable.AzureStorage;

/// <summary>
/// The real Durable Task runtime on Azure Storage behind Durable Task's own hosting:
/// <code>
/// services.AddDurableTaskWorker(b => { b.AddTasks(r => ...); b.UseAzureStorage(o => o.ConnectionString = "..."); });
/// services.AddDurableTaskClient(b => b.UseAzureStorage());
/// </code>
/// </summary>
public static class AzureStorageDurableTaskExtensions
{
    public static IDurableTaskWorkerBuilder UseAzureStorage(this IDurableTaskWorkerBuilder builder, Action<AzureStorageEngineOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddTaskHub(builder.Services, configure);
        return builder.UseBuildTarget<AzureStorageDurableTaskWorker>();
    }

    public static IDurableTaskClientBuilder UseAzureStorage(this IDurableTaskClientBuilder builder, Action<AzureStorageEngineOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddTaskHub(builder.Services, configure);
        return builder.UseBuildTarget<AzureStorageDurableTaskClient>();
    }

    /// <summary>A worker and client on the Azure Storage task hub with the tasks <paramref name="register"/> adds.</summary>
    public static IServiceCollection AddAzureStorageDurableTask(this IServiceCollection services, Action<DurableTaskRegistry> register,
        Action<AzureStorageEngineOptions>? configure = null)
    {
        services.AddDurableTaskWorker(builder =>
        {
            builder.AddTasks(register);
            builder.UseAzureStorage(configure);
        });
        services.AddDurableTaskClient(builder => builder.UseAzureStorage());
        return services;
    }

    private static void AddTaskHub(IServiceCollection services, Action<AzureStorageEngineOptions>? configure)
    {
        if (configure is not null) services.Configure(configure);
        services.TryAddSingleton(provider => new AzureStorageTaskHub(
            provider.GetRequiredService<IOptions<AzureStorageEngineOptions>>().Value,
            provider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance));
    }
}
