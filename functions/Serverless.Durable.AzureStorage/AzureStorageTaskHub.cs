using Azure.Identity;
using DurableTask.AzureStorage;
using Microsoft.Extensions.Logging;

namespace Serverless.Durable.AzureStorage;

/// <summary>
/// The task hub of one process: DurableTask.AzureStorage's orchestration service, shared by the worker (which
/// dispatches from it) and the client (which reads and writes instances through it).
/// </summary>
public sealed class AzureStorageTaskHub : IDisposable
{
    private readonly Lazy<AzureStorageOrchestrationService> _service;

    public AzureStorageTaskHub(AzureStorageEngineOptions options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0) throw new InvalidOperationException($"The AzureStorage engine's settings are not usable: {string.Join("; ", problems)}.");
        Options = options;
        _service = new Lazy<AzureStorageOrchestrationService>(() => new AzureStorageOrchestrationService(Settings(options, loggerFactory)));
    }

    private static AzureStorageOrchestrationServiceSettings Settings(AzureStorageEngineOptions options, ILoggerFactory loggerFactory)
    {
        var settings = new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = options.TaskHubName,
            StorageAccountClientProvider = string.IsNullOrWhiteSpace(options.ConnectionString)
                ? new StorageAccountClientProvider(options.AccountName!, new DefaultAzureCredential())
                : new StorageAccountClientProvider(options.ConnectionString),
            PartitionCount = options.PartitionCount,
            MaxConcurrentTaskActivityWorkItems = options.MaxConcurrentActivities,
            MaxConcurrentTaskOrchestrationWorkItems = options.MaxConcurrentOrchestrations,
            MaxQueuePollingInterval = options.MaxQueuePollingInterval,
            WorkerId = options.WorkerId ?? $"{Environment.MachineName}-{Environment.ProcessId}",
            LoggerFactory = loggerFactory,
            // Durable Functions' defaults: table partition management, extended sessions off.
            UseTablePartitionManagement = true,
            // An id in use is an error the client reports, not a start silently dropped.
            ThrowExceptionOnInvalidDedupeStatus = true,
        };
        if (options.LeaseInterval is { } lease)
        {
            settings.LeaseInterval = lease;
            settings.LeaseRenewInterval = lease / 3;
            settings.LeaseAcquireInterval = lease / 3;
        }
        if (options.MessageVisibilityTimeout is { } visibility)
        {
            settings.ControlQueueVisibilityTimeout = visibility;
            settings.WorkItemQueueVisibilityTimeout = visibility;
        }
        return settings;
    }

    public AzureStorageEngineOptions Options { get; }

    public AzureStorageOrchestrationService Service => _service.Value;

    /// <summary>Where the task hub lives, for messages: the account (never the connection string's key) and hub.</summary>
    public string Description => string.IsNullOrWhiteSpace(Options.ConnectionString)
        ? $"task hub '{Options.TaskHubName}' in storage account '{Options.AccountName}'"
        : $"task hub '{Options.TaskHubName}' at {AccountOf(Options.ConnectionString)}";

    /// <summary>
    /// Creates the hub's queues, tables and containers when missing. An account that does not answer within
    /// <see cref="AzureStorageEngineOptions.StartTimeout"/> fails with one line naming the setting.
    /// </summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.StartTimeout);
        try
        {
            await Service.CreateIfNotExistsAsync().WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var setting = string.IsNullOrWhiteSpace(Options.ConnectionString) ? "AccountName" : "ConnectionString";
            var reason = ex is OperationCanceledException ? $"no answer within {Options.StartTimeout.TotalSeconds:0} s" : ex.GetBaseException().Message;
            throw new InvalidOperationException(
                $"{AzureStorageEngineOptions.Section}:{setting}: the {Description} could not be opened: {reason}", ex);
        }
    }

    public void Dispose()
    {
        if (_service.IsValueCreated) _service.Value.Dispose();
    }

    private static string AccountOf(string connectionString)
    {
        if (connectionString.Contains("UseDevelopmentStorage=true", StringComparison.OrdinalIgnoreCase)) return "the local storage emulator";
        var parts = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        return parts.TryGetValue("BlobEndpoint", out var endpoint) ? endpoint
            : parts.TryGetValue("AccountName", out var account) ? $"storage account '{account}'" : "the configured storage account";
    }
}
