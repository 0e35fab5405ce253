using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.Durable.AzureStorage;

namespace Serverless.Durable.Tests.AzureStorage;

/// <summary>
/// A host running the real Durable Task runtime on a fresh task hub in Azurite (DurableTask.AzureStorage through
/// <c>UseAzureStorage()</c>), with the tasks a test registers. The task hub is deleted on dispose.
/// </summary>
internal sealed class AzureStorageHost : IAsyncDisposable
{
    private readonly IHost _host;

    private AzureStorageHost(IHost host) => _host = host;

    public DurableTaskClient Client => _host.Services.GetRequiredService<DurableTaskClient>();

    public AzureStorageTaskHub TaskHub => _host.Services.GetRequiredService<AzureStorageTaskHub>();

    public static async Task<AzureStorageHost> StartAsync(string connectionString, Action<DurableTaskRegistry> register,
        Action<AzureStorageEngineOptions>? configure = null, string? taskHub = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<DataConverter>(DurableJson.Converter);
        builder.Services.AddAzureStorageDurableTask(register, options =>
        {
            options.ConnectionString = connectionString;
            options.TaskHubName = taskHub ?? "t" + Guid.NewGuid().ToString("N")[..20];
            options.PartitionCount = 2;
            options.MaxQueuePollingInterval = TimeSpan.FromMilliseconds(500);
            configure?.Invoke(options);
        });
        var host = builder.Build();
        await host.StartAsync();
        return new AzureStorageHost(host);
    }

    public async Task<OrchestrationMetadata> RunAsync(string name, object? input = null, string? instanceId = null, int timeoutSeconds = 120)
    {
        var id = await Client.ScheduleNewOrchestrationInstanceAsync(name, input, new StartOrchestrationOptions(instanceId, null));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        return await Client.WaitForInstanceCompletionAsync(id, true, timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        var hub = TaskHub;
        await _host.StopAsync();
        try
        {
            await hub.Service.DeleteAsync();
        }
        finally
        {
            _host.Dispose();
        }
    }
}
