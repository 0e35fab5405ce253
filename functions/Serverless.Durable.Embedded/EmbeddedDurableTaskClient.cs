using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable.Embedded.History;
using Serverless.Durable.Embedded.Persistence;

namespace Serverless.Durable.Embedded;

/// <summary>
/// The <see cref="DurableTaskClient"/> of the embedded engine: reads and writes its database directly, so it
/// works whether or not a worker is running in this process (the CLI's status commands use it that way).
/// </summary>
public sealed class EmbeddedDurableTaskClient : DurableTaskClient
{
    private const int MaxInstanceIdLength = 256;
    private readonly EmbeddedEngine _engine;

    /// <summary>A client of <paramref name="engine"/>'s database under a builder's name (how Durable Task's hosting builds clients).</summary>
    [Microsoft.Extensions.DependencyInjection.ActivatorUtilitiesConstructor]
    public EmbeddedDurableTaskClient(string name, EmbeddedEngine engine)
        : base(name)
    {
        _engine = engine;
    }

    private SqliteEngineStore Store => _engine.Store;

    private DataConverter Converter => _engine.Options.DataConverter;

    /// <summary>
    /// Schedules a new instance and returns its id. Fails with <see cref="UnknownTaskException"/> for an unknown
    /// orchestrator, <see cref="InvalidPayloadException"/> for an input the orchestrator cannot read, and
    /// <see cref="InstanceAlreadyExistsException"/> for an id in use. Without a version in the options the
    /// instance starts at the engine's default version.
    /// </summary>
    public override async Task<string> ScheduleNewOrchestrationInstanceAsync(TaskName orchestratorName, object? input = null,
        StartOrchestrationOptions? options = null, CancellationToken cancellation = default)
    {
        var name = _engine.Factory.ResolveOrchestratorName(orchestratorName.Name);
        var instanceId = options?.InstanceId ?? Guid.NewGuid().ToString("N");
        ValidateInstanceId(instanceId);

        string? data;
        try
        {
            data = Converter.Serialize(input);
            // Refuse an input the orchestrator cannot read now, rather than as a failed instance later.
            if (_engine.Factory.OrchestratorInputType(name, _engine.Services) is { } inputType) Converter.Deserialize(data, inputType);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or NotSupportedException or InvalidOperationException)
        {
            throw new InvalidPayloadException($"The input for orchestrator '{name}' is not valid: {ex.Message}", ex);
        }

        var version = options?.Version is { } v ? v.Version : _engine.Options.DefaultVersion;
        var startAt = options?.StartAt?.UtcDateTime;
        await Store.CreateInstanceAsync(instanceId, name, version, data, _engine.UtcNow, startAt, cancellation).ConfigureAwait(false);
        _engine.NotifyWork();
        return instanceId;
    }

    public override Task<OrchestrationMetadata?> GetInstancesAsync(string instanceId, bool getInputsAndOutputs = false,
        CancellationToken cancellation = default)
    {
        var row = Store.GetInstance(instanceId, getInputsAndOutputs);
        return Task.FromResult(row is null ? null : ToMetadata(row, getInputsAndOutputs));
    }

    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null) =>
        Pageable.Create<OrchestrationMetadata>((continuation, pageSize, cancellation) =>
        {
            var query = new InstanceQuery(
                Statuses: filter?.Statuses?.Select(s => s.ToInstanceStatus()).ToList(),
                CreatedFrom: filter?.CreatedFrom?.UtcDateTime,
                CreatedTo: filter?.CreatedTo?.UtcDateTime,
                InstanceIdPrefix: filter?.InstanceIdPrefix,
                PageSize: pageSize ?? filter?.PageSize ?? OrchestrationQuery.DefaultPageSize,
                ContinuationToken: continuation ?? filter?.ContinuationToken,
                FetchInputsAndOutputs: filter?.FetchInputsAndOutputs ?? false);
            var (rows, offset) = Store.Query(query);
            var size = Math.Clamp(query.PageSize, 1, 1000);
            var page = rows.Take(size).Select(r => ToMetadata(r, query.FetchInputsAndOutputs)).ToList();
            var token = rows.Count > size ? (offset + size).ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
            return Task.FromResult(new Page<OrchestrationMetadata>(page, token));
        });

    public override async Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false,
        CancellationToken cancellation = default) =>
        await WaitUntilAsync(instanceId, getInputsAndOutputs, m => m.RuntimeStatus.IsTerminal(), cancellation).ConfigureAwait(false);

    public override async Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false,
        CancellationToken cancellation = default) =>
        await WaitUntilAsync(instanceId, getInputsAndOutputs, m => m.RuntimeStatus != OrchestrationRuntimeStatus.Pending, cancellation)
            .ConfigureAwait(false);

    /// <summary>Delivers an event; it is kept until the orchestrator waits for it. Fails for a finished instance.</summary>
    public override async Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null,
        CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(eventName);
        var message = new DurableEvent { Type = EventType.EventRaised, Timestamp = _engine.UtcNow, Name = eventName, Data = Converter.Serialize(eventPayload) };
        await Store.SignalAsync(instanceId, MessageKind.EventRaised, message, _engine.UtcNow, s => !s.IsTerminal(),
            $"raise event '{eventName}' on", cancellation).ConfigureAwait(false);
        _engine.NotifyWork();
    }

    public override async Task TerminateInstanceAsync(string instanceId, TerminateInstanceOptions? options = null,
        CancellationToken cancellation = default)
    {
        var message = new DurableEvent { Type = EventType.ExecutionTerminated, Timestamp = _engine.UtcNow, Data = Converter.Serialize(options?.Output) };
        await Store.SignalAsync(instanceId, MessageKind.Terminate, message, _engine.UtcNow, s => !s.IsTerminal(), "terminate", cancellation)
            .ConfigureAwait(false);
        _engine.NotifyWork();
    }

    public override async Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default)
    {
        var message = new DurableEvent { Type = EventType.ExecutionSuspended, Timestamp = _engine.UtcNow, Data = Converter.Serialize(reason) };
        await Store.SignalAsync(instanceId, MessageKind.Suspend, message, _engine.UtcNow,
            s => s is InstanceStatus.Running or InstanceStatus.Pending or InstanceStatus.Suspended, "suspend", cancellation).ConfigureAwait(false);
        _engine.NotifyWork();
    }

    public override async Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default)
    {
        var message = new DurableEvent { Type = EventType.ExecutionResumed, Timestamp = _engine.UtcNow, Data = Converter.Serialize(reason) };
        await Store.SignalAsync(instanceId, MessageKind.Resume, message, _engine.UtcNow,
            s => s is InstanceStatus.Suspended or InstanceStatus.Running or InstanceStatus.Pending, "resume", cancellation).ConfigureAwait(false);
        _engine.NotifyWork();
    }

    /// <summary>Deletes a finished instance and its history; a running one is refused.</summary>
    public override async Task<PurgeResult> PurgeInstanceAsync(string instanceId, PurgeInstanceOptions? options = null,
        CancellationToken cancellation = default) =>
        new(await Store.PurgeAsync(instanceId, cancellation).ConfigureAwait(false) ? 1 : 0);

    /// <summary>The current execution's history as Durable Task's history events, oldest first.</summary>
    public override Task<IList<global::DurableTask.Core.History.HistoryEvent>> GetOrchestrationHistoryAsync(string instanceId, CancellationToken cancellation = default)
    {
        if (Store.GetInstance(instanceId, decodePayloads: false) is null) throw new InstanceNotFoundException(instanceId);
        var events = Store.GetHistory(instanceId, decodePayloads: true);
        return Task.FromResult<IList<global::DurableTask.Core.History.HistoryEvent>>(HistoryMapping.ToHistoryEvents(events));
    }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<OrchestrationMetadata> WaitUntilAsync(string instanceId, bool getInputsAndOutputs,
        Func<OrchestrationMetadata, bool> done, CancellationToken cancellationToken)
    {
        // In this process the engine signals completion; work done by another process is seen by polling.
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            var finished = _engine.WhenInstanceFinishes(instanceId);
            var metadata = await GetInstancesAsync(instanceId, getInputsAndOutputs, cancellationToken).ConfigureAwait(false)
                ?? throw new InstanceNotFoundException(instanceId);
            if (done(metadata)) return metadata;
            await Task.WhenAny(finished, Task.Delay(delay, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 500));
        }
    }

    private OrchestrationMetadata ToMetadata(InstanceRow row, bool withPayloads) => new(row.Name, row.Id)
    {
        RuntimeStatus = row.Status.ToRuntimeStatus(),
        CreatedAt = new DateTimeOffset(row.CreatedAt, TimeSpan.Zero),
        LastUpdatedAt = new DateTimeOffset(row.UpdatedAt, TimeSpan.Zero),
        SerializedInput = withPayloads ? row.Input : null,
        SerializedOutput = withPayloads ? row.Output : null,
        SerializedCustomStatus = row.CustomStatus,
        FailureDetails = row.Failure?.ToDetails(),
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
}
