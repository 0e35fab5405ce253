using System.Globalization;
using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.Exceptions;
using DurableTask.Core.History;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Newtonsoft.Json.Linq;
using CoreQuery = DurableTask.Core.Query.OrchestrationQuery;
using CoreStatus = DurableTask.Core.OrchestrationStatus;
using OrchestrationRuntimeStatus = Microsoft.DurableTask.Client.OrchestrationRuntimeStatus;

namespace Serverless.Durable.AzureStorage;

/// <summary>
/// The <see cref="DurableTaskClient"/> of the Azure Storage task hub, written against DurableTask.Core's client
/// interfaces (the shim package for this is not served here). It raises the same errors as the embedded client:
/// an unknown orchestrator, an id in use, an instance missing or in the wrong state, each with a clear message.
/// </summary>
public sealed class AzureStorageDurableTaskClient : DurableTaskClient
{
    private static readonly CoreStatus[] EveryStatus = Enum.GetValues<CoreStatus>();
    private readonly AzureStorageTaskHub _hub;
    private readonly DataConverter _converter;
    private readonly IReadOnlyCollection<string> _orchestrators;
    private readonly string? _defaultVersion;

    [ActivatorUtilitiesConstructor]
    public AzureStorageDurableTaskClient(string name, AzureStorageTaskHub hub, IOptionsMonitor<DurableTaskClientOptions> options,
        IOptionsMonitor<DurableTaskRegistry> registry)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(registry);
        _hub = hub;
        var clientOptions = options.Get(name);
        _converter = clientOptions.DataConverter;
        _defaultVersion = clientOptions.DefaultVersion;
        _orchestrators = registry.Get(Microsoft.Extensions.Options.Options.DefaultName).GetOrchestrators().Select(o => o.Key.Name).ToList();
    }

    private AzureStorageOrchestrationService Service => _hub.Service;

    public override async Task<string> ScheduleNewOrchestrationInstanceAsync(TaskName orchestratorName, object? input = null,
        StartOrchestrationOptions? options = null, CancellationToken cancellation = default)
    {
        // A process that registers orchestrators checks the name now; a client-only process leaves it to the workers.
        var name = _orchestrators.Count == 0 ? orchestratorName.Name
            : _orchestrators.FirstOrDefault(n => string.Equals(n, orchestratorName.Name, StringComparison.OrdinalIgnoreCase))
              ?? throw new UnknownTaskException("orchestrator", orchestratorName.Name, _orchestrators);
        var instance = new OrchestrationInstance
        {
            InstanceId = options?.InstanceId ?? Guid.NewGuid().ToString("N"),
            ExecutionId = Guid.NewGuid().ToString("N"),
        };
        var message = new TaskMessage
        {
            OrchestrationInstance = instance,
            Event = new ExecutionStartedEvent(-1, _converter.Serialize(input))
            {
                Name = name,
                Version = options?.Version is { } v ? v.Version ?? "" : _defaultVersion ?? "",
                OrchestrationInstance = instance,
                ScheduledStartTime = options?.StartAt?.UtcDateTime,
            },
        };
        try
        {
            // Every status dedupes: an id in use is refused, as on the embedded engine; purge the instance to reuse it.
            await Service.CreateTaskOrchestrationAsync(message, EveryStatus).ConfigureAwait(false);
        }
        catch (OrchestrationAlreadyExistsException)
        {
            var existing = await GetInstancesAsync(instance.InstanceId, false, cancellation).ConfigureAwait(false);
            throw new InstanceAlreadyExistsException(instance.InstanceId, existing?.RuntimeStatus ?? OrchestrationRuntimeStatus.Running);
        }
        return instance.InstanceId;
    }

    public override async Task<OrchestrationMetadata?> GetInstancesAsync(string instanceId, bool getInputsAndOutputs = false,
        CancellationToken cancellation = default)
    {
        var states = await Service.GetOrchestrationStateAsync(instanceId, allExecutions: false, fetchInput: getInputsAndOutputs).ConfigureAwait(false);
        var state = states?.FirstOrDefault();
        if (state is { OrchestrationStatus: CoreStatus.Failed, FailureDetails: null })
        {
            // The instance table keeps only the failure's text; the whole chain (type, message, inner failures) is on
            // the history's completion event.
            state.FailureDetails = await ReadFailureAsync(state).ConfigureAwait(false);
        }
        return state is null ? null : ToMetadata(state, getInputsAndOutputs);
    }

    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null) =>
        Pageable.Create<OrchestrationMetadata>(async (continuation, pageSize, cancellation) =>
        {
            var query = new CoreQuery
            {
                RuntimeStatus = filter?.Statuses?.Select(ToCore).ToList(),
                CreatedTimeFrom = filter?.CreatedFrom?.UtcDateTime,
                CreatedTimeTo = filter?.CreatedTo?.UtcDateTime,
                InstanceIdPrefix = filter?.InstanceIdPrefix,
                PageSize = pageSize ?? filter?.PageSize ?? OrchestrationQuery.DefaultPageSize,
                ContinuationToken = continuation ?? filter?.ContinuationToken,
                FetchInputsAndOutputs = filter?.FetchInputsAndOutputs ?? false,
            };
            var result = await Service.GetOrchestrationWithQueryAsync(query, cancellation).ConfigureAwait(false);
            var page = result.OrchestrationState.Select(s => ToMetadata(s, query.FetchInputsAndOutputs)).ToList();
            return new Page<OrchestrationMetadata>(page, result.ContinuationToken);
        });

    public override Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false,
        CancellationToken cancellation = default) =>
        WaitUntilAsync(instanceId, getInputsAndOutputs, m => m.RuntimeStatus.IsTerminal(), cancellation);

    public override Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false,
        CancellationToken cancellation = default) =>
        WaitUntilAsync(instanceId, getInputsAndOutputs, m => m.RuntimeStatus != OrchestrationRuntimeStatus.Pending, cancellation);

    public override async Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null,
        CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(eventName);
        await RequireAsync(instanceId, s => !s.IsTerminal(), $"raise event '{eventName}' on", cancellation).ConfigureAwait(false);
        await SendAsync(instanceId, new EventRaisedEvent(-1, _converter.Serialize(eventPayload)) { Name = eventName }).ConfigureAwait(false);
    }

    public override async Task TerminateInstanceAsync(string instanceId, TerminateInstanceOptions? options = null,
        CancellationToken cancellation = default)
    {
        await RequireAsync(instanceId, s => !s.IsTerminal(), "terminate", cancellation).ConfigureAwait(false);
        await Service.ForceTerminateTaskOrchestrationAsync(instanceId, _converter.Serialize(options?.Output)).ConfigureAwait(false);
    }

    public override async Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default)
    {
        await RequireAsync(instanceId, s => !s.IsTerminal(), "suspend", cancellation).ConfigureAwait(false);
        await SendAsync(instanceId, new ExecutionSuspendedEvent(-1, reason)).ConfigureAwait(false);
    }

    public override async Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default)
    {
        await RequireAsync(instanceId, s => !s.IsTerminal(), "resume", cancellation).ConfigureAwait(false);
        await SendAsync(instanceId, new ExecutionResumedEvent(-1, reason)).ConfigureAwait(false);
    }

    /// <summary>Deletes a finished instance and its history; a running one is refused.</summary>
    public override async Task<Microsoft.DurableTask.Client.PurgeResult> PurgeInstanceAsync(string instanceId, PurgeInstanceOptions? options = null,
        CancellationToken cancellation = default)
    {
        var existing = await GetInstancesAsync(instanceId, false, cancellation).ConfigureAwait(false);
        if (existing is null) return new Microsoft.DurableTask.Client.PurgeResult(0);
        if (!existing.RuntimeStatus.IsTerminal()) throw new InstanceStateException(instanceId, existing.RuntimeStatus, "purge");
        var result = await Service.PurgeInstanceHistoryAsync(instanceId).ConfigureAwait(false);
        return new Microsoft.DurableTask.Client.PurgeResult(result.InstancesDeleted);
    }

    /// <summary>The current execution's history, read from the task hub's history table.</summary>
    public override async Task<IList<HistoryEvent>> GetOrchestrationHistoryAsync(string instanceId, CancellationToken cancellation = default)
    {
        var existing = await GetInstancesAsync(instanceId, false, cancellation).ConfigureAwait(false)
            ?? throw new InstanceNotFoundException(instanceId);
        var json = await Service.GetOrchestrationHistoryAsync(existing.InstanceId, executionId: null).ConfigureAwait(false);
        // The task hub returns the events as JSON objects tagged with their EventType, without .NET type names.
        return JArray.Parse(json).OfType<JObject>()
            .Select(e => HistoryTypes.TryGetValue((EventType)e.Value<int>("EventType"), out var type) ? (HistoryEvent?)e.ToObject(type) : null)
            .OfType<HistoryEvent>()
            .ToList();
    }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static readonly Dictionary<EventType, Type> HistoryTypes = new()
    {
        [EventType.ExecutionStarted] = typeof(ExecutionStartedEvent),
        [EventType.ExecutionCompleted] = typeof(ExecutionCompletedEvent),
        [EventType.ExecutionTerminated] = typeof(ExecutionTerminatedEvent),
        [EventType.ExecutionSuspended] = typeof(ExecutionSuspendedEvent),
        [EventType.ExecutionResumed] = typeof(ExecutionResumedEvent),
        [EventType.ContinueAsNew] = typeof(ContinueAsNewEvent),
        [EventType.OrchestratorStarted] = typeof(OrchestratorStartedEvent),
        [EventType.OrchestratorCompleted] = typeof(OrchestratorCompletedEvent),
        [EventType.TaskScheduled] = typeof(TaskScheduledEvent),
        [EventType.TaskCompleted] = typeof(TaskCompletedEvent),
        [EventType.TaskFailed] = typeof(TaskFailedEvent),
        [EventType.SubOrchestrationInstanceCreated] = typeof(SubOrchestrationInstanceCreatedEvent),
        [EventType.SubOrchestrationInstanceCompleted] = typeof(SubOrchestrationInstanceCompletedEvent),
        [EventType.SubOrchestrationInstanceFailed] = typeof(SubOrchestrationInstanceFailedEvent),
        [EventType.TimerCreated] = typeof(TimerCreatedEvent),
        [EventType.TimerFired] = typeof(TimerFiredEvent),
        [EventType.EventRaised] = typeof(EventRaisedEvent),
        [EventType.EventSent] = typeof(EventSentEvent),
    };

    private async Task<OrchestrationMetadata> RequireAsync(string instanceId, Func<OrchestrationRuntimeStatus, bool> allowed, string operation,
        CancellationToken cancellation)
    {
        var existing = await GetInstancesAsync(instanceId, false, cancellation).ConfigureAwait(false) ?? throw new InstanceNotFoundException(instanceId);
        if (!allowed(existing.RuntimeStatus)) throw new InstanceStateException(instanceId, existing.RuntimeStatus, operation);
        return existing;
    }

    private Task SendAsync(string instanceId, HistoryEvent e) =>
        Service.SendTaskOrchestrationMessageAsync(new TaskMessage { OrchestrationInstance = new OrchestrationInstance { InstanceId = instanceId }, Event = e });

    private async Task<OrchestrationMetadata> WaitUntilAsync(string instanceId, bool getInputsAndOutputs, Func<OrchestrationMetadata, bool> done,
        CancellationToken cancellation)
    {
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            var metadata = await GetInstancesAsync(instanceId, getInputsAndOutputs, cancellation).ConfigureAwait(false)
                ?? throw new InstanceNotFoundException(instanceId);
            if (done(metadata)) return metadata;
            await Task.Delay(delay, cancellation).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 1000));
        }
    }

    private OrchestrationMetadata ToMetadata(OrchestrationState state, bool withPayloads) =>
        new(state.Name, state.OrchestrationInstance.InstanceId)
        {
            RuntimeStatus = FromCore(state.OrchestrationStatus),
            CreatedAt = new DateTimeOffset(DateTime.SpecifyKind(state.CreatedTime, DateTimeKind.Utc)),
            LastUpdatedAt = new DateTimeOffset(DateTime.SpecifyKind(state.LastUpdatedTime, DateTimeKind.Utc)),
            SerializedInput = withPayloads ? state.Input : null,
            SerializedOutput = withPayloads && state.OrchestrationStatus == CoreStatus.Completed ? state.Output : null,
            SerializedCustomStatus = state.Status,
            FailureDetails = state.FailureDetails.ToTaskFailureDetails() ?? FailureFromOutput(state),
            DataConverter = _converter,
        };

    private async Task<FailureDetails?> ReadFailureAsync(OrchestrationState state)
    {
        var json = await Service.GetOrchestrationHistoryAsync(state.OrchestrationInstance.InstanceId, state.OrchestrationInstance.ExecutionId).ConfigureAwait(false);
        var completed = JArray.Parse(json).OfType<JObject>().LastOrDefault(e => e.Value<int>("EventType") == (int)EventType.ExecutionCompleted);
        return completed?["FailureDetails"] is JObject details ? details.ToObject<FailureDetails>() : null;
    }

    /// <summary>
    /// A failed instance's failure when its history has none: the text the instance table keeps in its output column
    /// (<c>Type: message</c>), so a failed instance never reads with no failure at all.
    /// </summary>
    private static TaskFailureDetails? FailureFromOutput(OrchestrationState state)
    {
        if (state.OrchestrationStatus != CoreStatus.Failed) return null;
        var text = state.Output ?? "";
        var colon = text.IndexOf(": ", StringComparison.Ordinal);
        var type = colon > 0 && !text[..colon].Contains(' ', StringComparison.Ordinal) ? text[..colon] : "Unknown";
        var message = type == "Unknown" ? text : text[(colon + 2)..];
        return new TaskFailureDetails(type, message, null, null, null);
    }

    private static OrchestrationRuntimeStatus FromCore(CoreStatus status) => status switch
    {
        CoreStatus.Running => OrchestrationRuntimeStatus.Running,
        CoreStatus.Completed => OrchestrationRuntimeStatus.Completed,
        CoreStatus.Failed => OrchestrationRuntimeStatus.Failed,
        CoreStatus.Terminated => OrchestrationRuntimeStatus.Terminated,
        CoreStatus.Pending => OrchestrationRuntimeStatus.Pending,
        CoreStatus.Suspended => OrchestrationRuntimeStatus.Suspended,
        _ => OrchestrationRuntimeStatus.Running,
    };

    private static CoreStatus ToCore(OrchestrationRuntimeStatus status) => status switch
    {
        OrchestrationRuntimeStatus.Completed => CoreStatus.Completed,
        OrchestrationRuntimeStatus.Failed => CoreStatus.Failed,
        OrchestrationRuntimeStatus.Terminated => CoreStatus.Terminated,
        OrchestrationRuntimeStatus.Pending => CoreStatus.Pending,
        OrchestrationRuntimeStatus.Suspended => CoreStatus.Suspended,
        _ => CoreStatus.Running,
    };
}
