using Serverless.Durable.Embedded.History;
using Serverless.Durable.Embedded.Persistence;

namespace Serverless.Durable.Embedded;

/// <summary>The <see cref="IOrchestrationClient"/> of the embedded engine: reads and writes its database directly.</summary>
internal sealed class EmbeddedOrchestrationClient(EmbeddedEngine engine) : IOrchestrationClient
{
    private const int MaxInstanceIdLength = 256;

    private SqliteEngineStore Store => engine.Store;

    private DataConverter Converter => engine.Options.DataConverter;

    public async Task<string> ScheduleNewOrchestrationInstanceAsync(string orchestratorName, object? input = null,
        StartOrchestrationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var registration = engine.Registry.GetOrchestrator(orchestratorName);
        var instanceId = options?.InstanceId ?? Guid.NewGuid().ToString("N");
        ValidateInstanceId(instanceId);

        string? data;
        try
        {
            data = Converter.Serialize(input);
            // Reject an input the orchestrator cannot read now, rather than as a failed instance later.
            var inputType = OrchestratorInputType(registration.ImplementationType);
            if (inputType is not null) Converter.Deserialize(data, inputType);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or NotSupportedException or InvalidOperationException)
        {
            throw new InvalidPayloadException($"The input for orchestrator '{registration.Name}' is not valid: {ex.Message}", ex);
        }

        var startAt = options?.StartAt?.UtcDateTime;
        await Store.CreateInstanceAsync(instanceId, registration.Name, data, engine.UtcNow, startAt, cancellationToken).ConfigureAwait(false);
        engine.NotifyWork();
        return instanceId;
    }

    public Task<OrchestrationMetadata?> GetInstanceAsync(string instanceId, bool getInputsAndOutputs = true,
        CancellationToken cancellationToken = default)
    {
        var row = Store.GetInstance(instanceId, getInputsAndOutputs);
        return Task.FromResult(row is null ? null : ToMetadata(row, getInputsAndOutputs));
    }

    public async Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = true,
        CancellationToken cancellationToken = default) =>
        await WaitUntilAsync(instanceId, getInputsAndOutputs, m => m.RuntimeStatus.IsTerminal(), cancellationToken).ConfigureAwait(false);

    public async Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false,
        CancellationToken cancellationToken = default) =>
        await WaitUntilAsync(instanceId, getInputsAndOutputs, m => m.RuntimeStatus != OrchestrationRuntimeStatus.Pending, cancellationToken)
            .ConfigureAwait(false);

    public async Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(eventName);
        var message = new DurableEvent { Type = EventType.EventRaised, Timestamp = engine.UtcNow, Name = eventName, Data = Converter.Serialize(eventPayload) };
        await Store.SignalAsync(instanceId, MessageKind.EventRaised, message, engine.UtcNow, s => !s.IsTerminal(),
            $"raise event '{eventName}' on", cancellationToken).ConfigureAwait(false);
        engine.NotifyWork();
    }

    public async Task TerminateInstanceAsync(string instanceId, object? output = null, CancellationToken cancellationToken = default)
    {
        var message = new DurableEvent { Type = EventType.ExecutionTerminated, Timestamp = engine.UtcNow, Data = Converter.Serialize(output) };
        await Store.SignalAsync(instanceId, MessageKind.Terminate, message, engine.UtcNow, s => !s.IsTerminal(), "terminate", cancellationToken)
            .ConfigureAwait(false);
        engine.NotifyWork();
    }

    public async Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default)
    {
        var message = new DurableEvent { Type = EventType.ExecutionSuspended, Timestamp = engine.UtcNow, Data = Converter.Serialize(reason) };
        await Store.SignalAsync(instanceId, MessageKind.Suspend, message, engine.UtcNow,
            s => s is OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Suspended,
            "suspend", cancellationToken).ConfigureAwait(false);
        engine.NotifyWork();
    }

    public async Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default)
    {
        var message = new DurableEvent { Type = EventType.ExecutionResumed, Timestamp = engine.UtcNow, Data = Converter.Serialize(reason) };
        await Store.SignalAsync(instanceId, MessageKind.Resume, message, engine.UtcNow,
            s => s is OrchestrationRuntimeStatus.Suspended or OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending,
            "resume", cancellationToken).ConfigureAwait(false);
        engine.NotifyWork();
    }

    public async Task<PurgeResult> PurgeInstanceAsync(string instanceId, CancellationToken cancellationToken = default) =>
        new(await Store.PurgeAsync(instanceId, cancellationToken).ConfigureAwait(false) ? 1 : 0);

    public Task<OrchestrationQueryResult> QueryInstancesAsync(OrchestrationQuery query, CancellationToken cancellationToken = default)
    {
        var (rows, offset) = Store.Query(query);
        var pageSize = Math.Clamp(query.PageSize, 1, 1000);
        var hasMore = rows.Count > pageSize;
        var page = rows.Take(pageSize).Select(r => ToMetadata(r, query.FetchInputsAndOutputs)).ToList();
        var token = hasMore ? (offset + pageSize).ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        return Task.FromResult(new OrchestrationQueryResult(page, token));
    }

    public Task<IReadOnlyList<OrchestrationHistoryEvent>> GetHistoryAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        if (Store.GetInstance(instanceId, decodePayloads: false) is null) throw new InstanceNotFoundException(instanceId);
        var events = Store.GetHistory(instanceId, decodePayloads: true);

        // Completions carry only a task id; name them after the step that scheduled them.
        var names = new Dictionary<int, string?>();
        var list = new List<OrchestrationHistoryEvent>(events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (e.IsSchedulingEvent) names[e.TaskId] = e.Type == EventType.TimerCreated ? "timer" : e.Name;
            var name = e.Name ?? (e.TaskId >= 0 && names.TryGetValue(e.TaskId, out var scheduled) ? scheduled : null);
            list.Add(new OrchestrationHistoryEvent(i, e.Timestamp, e.Type.ToString(), name, e.TaskId >= 0 ? e.TaskId : null,
                e.Data, e.Failure, e.FireAt));
        }
        return Task.FromResult<IReadOnlyList<OrchestrationHistoryEvent>>(list);
    }

    private async Task<OrchestrationMetadata> WaitUntilAsync(string instanceId, bool getInputsAndOutputs,
        Func<OrchestrationMetadata, bool> done, CancellationToken cancellationToken)
    {
        // In this process the engine signals completion; work done by another process is seen by polling.
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            var finished = engine.WhenInstanceFinishes(instanceId);
            var metadata = await GetInstanceAsync(instanceId, getInputsAndOutputs, cancellationToken).ConfigureAwait(false)
                ?? throw new InstanceNotFoundException(instanceId);
            if (done(metadata)) return metadata;
            await Task.WhenAny(finished, Task.Delay(delay, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 500));
        }
    }

    private OrchestrationMetadata ToMetadata(InstanceRow row, bool withPayloads) => new(
        row.Id, row.Name, row.Status, row.CreatedAt, row.UpdatedAt, row.ScheduledStart,
        withPayloads ? row.Input : null, withPayloads ? row.Output : null, row.CustomStatus, row.Failure, row.Parent?.InstanceId)
    {
        DataConverter = Converter,
    };

    private static void ValidateInstanceId(string instanceId)
    {
        if (string.IsNullOrWhiteSpace(instanceId)) throw new ArgumentException("An instance id must not be empty.", nameof(instanceId));
        if (instanceId.Length > MaxInstanceIdLength)
            throw new ArgumentException($"An instance id must be at most {MaxInstanceIdLength} characters; '{instanceId[..20]}...' has {instanceId.Length}.", nameof(instanceId));
        if (instanceId.Any(char.IsControl))
            throw new ArgumentException("An instance id must not contain control characters.", nameof(instanceId));
    }

    /// <summary>The TInput of a <see cref="TaskOrchestrator{TInput,TOutput}"/> implementation, when it has one.</summary>
    private static Type? OrchestratorInputType(Type implementation)
    {
        for (var type = implementation; type is not null; type = type.BaseType)
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(TaskOrchestrator<,>)) return type.GetGenericArguments()[0];
        }
        return null;
    }
}
