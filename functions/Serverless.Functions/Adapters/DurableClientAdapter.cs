using System.Text.Json;
using static Serverless.Durable.OrchestrationRuntimeStatusExtensions;
using Ours = Serverless.Durable;
using Dt = Microsoft.DurableTask;
using Dtc = Microsoft.DurableTask.Client;

namespace Serverless.Functions.Adapters;

/// <summary>
/// Our <see cref="Ours.IOrchestrationClient"/> over Durable Functions' <see cref="Dtc.DurableTaskClient"/>, so the
/// HTTP handlers shared with the local host (Serverless.Hosting/Api) work unchanged on Azure.
/// </summary>
/// <remarks>
/// Where Durable Task is silent and our contract is not, the adapter checks first, so callers see the same
/// errors on both engines: an unknown orchestrator name or an unreadable input is refused before scheduling
/// (<see cref="Ours.UnknownTaskException"/>, <see cref="Ours.InvalidPayloadException"/>); an id in use is
/// <see cref="Ours.InstanceAlreadyExistsException"/> (Durable may otherwise drop the request silently); events,
/// terminate, suspend and resume on an unknown instance are <see cref="Ours.InstanceNotFoundException"/> and on a
/// finished one <see cref="Ours.InstanceStateException"/> (Durable discards them silently). These checks read the
/// instance and then act, so two callers racing on one id can both pass the check; the embedded engine makes the
/// same checks atomically. Durable Functions' client exposes no history, so <see cref="GetHistoryAsync"/>
/// says so (Application Insights and the Durable Functions monitor show it on Azure).
/// </remarks>
public sealed class DurableClientAdapter : Ours.IOrchestrationClient
{
    private readonly Dtc.DurableTaskClient _inner;
    private readonly Ours.DurableTaskRegistry _registry;
    private readonly Ours.DataConverter _converter;

    public DurableClientAdapter(Dtc.DurableTaskClient inner, Ours.DurableTaskRegistry registry, Ours.DataConverter? converter = null)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _registry = registry ?? throw new ArgumentNullException(nameof(registry));
        _converter = converter ?? Ours.JsonDataConverter.Default;
    }

    public async Task<string> ScheduleNewOrchestrationInstanceAsync(string orchestratorName, object? input = null,
        Ours.StartOrchestrationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var registration = _registry.GetOrchestrator(orchestratorName);
        ValidateInput(registration, input);
        if (options?.InstanceId is { } instanceId)
        {
            if (string.IsNullOrWhiteSpace(instanceId)) throw new ArgumentException("An instance id must not be empty.", nameof(options));
            var existing = await _inner.GetInstanceAsync(instanceId, false, cancellationToken);
            if (existing is not null) throw new Ours.InstanceAlreadyExistsException(instanceId, Map(existing.RuntimeStatus));
        }

        var start = options is null ? null : new Dt.StartOrchestrationOptions(options.InstanceId, options.StartAt);
        return await _inner.ScheduleNewOrchestrationInstanceAsync(registration.Name, input, start, cancellationToken);
    }

    public async Task<Ours.OrchestrationMetadata?> GetInstanceAsync(string instanceId, bool getInputsAndOutputs = true,
        CancellationToken cancellationToken = default)
    {
        var metadata = await _inner.GetInstanceAsync(instanceId, getInputsAndOutputs, cancellationToken);
        return metadata is null ? null : Map(metadata);
    }

    public async Task<Ours.OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = true,
        CancellationToken cancellationToken = default)
    {
        await RequireAsync(instanceId, cancellationToken);
        return Map(await _inner.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs, cancellationToken));
    }

    public async Task<Ours.OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false,
        CancellationToken cancellationToken = default)
    {
        await RequireAsync(instanceId, cancellationToken);
        return Map(await _inner.WaitForInstanceStartAsync(instanceId, getInputsAndOutputs, cancellationToken));
    }

    public async Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(eventName);
        await RequireAsync(instanceId, cancellationToken, s => !s.IsTerminal(), $"raise event '{eventName}' on");
        await _inner.RaiseEventAsync(instanceId, eventName, eventPayload, cancellationToken);
    }

    public async Task TerminateInstanceAsync(string instanceId, object? output = null, CancellationToken cancellationToken = default)
    {
        await RequireAsync(instanceId, cancellationToken, s => !s.IsTerminal(), "terminate");
        await _inner.TerminateInstanceAsync(instanceId, output, cancellationToken);
    }

    public async Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default)
    {
        await RequireAsync(instanceId, cancellationToken, s => !s.IsTerminal(), "suspend");
        await _inner.SuspendInstanceAsync(instanceId, reason, cancellationToken);
    }

    public async Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default)
    {
        await RequireAsync(instanceId, cancellationToken, s => !s.IsTerminal(), "resume");
        await _inner.ResumeInstanceAsync(instanceId, reason, cancellationToken);
    }

    public async Task<Ours.PurgeResult> PurgeInstanceAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        var existing = await _inner.GetInstanceAsync(instanceId, false, cancellationToken);
        if (existing is null) return new Ours.PurgeResult(0);
        var status = Map(existing.RuntimeStatus);
        if (!status.IsTerminal()) throw new Ours.InstanceStateException(instanceId, status, "purge");
        var result = await _inner.PurgeInstanceAsync(instanceId, cancellationToken);
        return new Ours.PurgeResult(result.PurgedInstanceCount);
    }

    /// <summary>
    /// One page of Durable's query. Durable's query has no orchestrator-name filter, so the name is applied to
    /// the page it returns: a filtered page can hold fewer than <see cref="Ours.OrchestrationQuery.PageSize"/>
    /// instances while the continuation token still leads to more.
    /// </summary>
    public async Task<Ours.OrchestrationQueryResult> QueryInstancesAsync(Ours.OrchestrationQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filter = new Dtc.OrchestrationQuery(
            CreatedFrom: query.CreatedFrom is { } from ? new DateTimeOffset(DateTime.SpecifyKind(from, DateTimeKind.Utc)) : null,
            CreatedTo: query.CreatedTo is { } to ? new DateTimeOffset(DateTime.SpecifyKind(to, DateTimeKind.Utc)) : null,
            Statuses: query.Statuses?.Select(Map).ToList(),
            InstanceIdPrefix: query.InstanceIdPrefix,
            PageSize: Math.Clamp(query.PageSize, 1, 1000),
            FetchInputsAndOutputs: query.FetchInputsAndOutputs,
            ContinuationToken: query.ContinuationToken);

        await foreach (var page in _inner.GetAllInstancesAsync(filter).AsPages(query.ContinuationToken, filter.PageSize).WithCancellation(cancellationToken))
        {
            var instances = page.Values
                .Where(m => query.Name is null || string.Equals(m.Name, query.Name, StringComparison.OrdinalIgnoreCase))
                .Select(Map)
                .ToList();
            return new Ours.OrchestrationQueryResult(instances, page.ContinuationToken);
        }
        return new Ours.OrchestrationQueryResult([], null);
    }

    public Task<IReadOnlyList<Ours.OrchestrationHistoryEvent>> GetHistoryAsync(string instanceId, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException(
            $"The history of '{instanceId}' is not available through Durable Functions' client; on Azure read it in Application Insights " +
            "(traces of category Host.Triggers.DurableTask) or with the Durable Functions monitor.");

    public Ours.OrchestrationMetadata Map(Dtc.OrchestrationMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return new Ours.OrchestrationMetadata(
            metadata.InstanceId,
            metadata.Name,
            Map(metadata.RuntimeStatus),
            metadata.CreatedAt.UtcDateTime,
            metadata.LastUpdatedAt.UtcDateTime,
            SerializedInput: metadata.SerializedInput,
            SerializedOutput: metadata.SerializedOutput,
            SerializedCustomStatus: metadata.SerializedCustomStatus,
            FailureDetails: metadata.FailureDetails is null ? null : DurableMapping.FromDurable(metadata.FailureDetails))
        {
            DataConverter = _converter,
        };
    }

    /// <summary>Durable's status as ours; both enums have the same members, mapped by name.</summary>
    public static Ours.OrchestrationRuntimeStatus Map(Dtc.OrchestrationRuntimeStatus status) =>
        Enum.Parse<Ours.OrchestrationRuntimeStatus>(status.ToString());

    public static Dtc.OrchestrationRuntimeStatus Map(Ours.OrchestrationRuntimeStatus status) =>
        Enum.Parse<Dtc.OrchestrationRuntimeStatus>(status.ToString());

    private async Task RequireAsync(string instanceId, CancellationToken cancellationToken,
        Func<Ours.OrchestrationRuntimeStatus, bool>? allowed = null, string? operation = null)
    {
        var existing = await _inner.GetInstanceAsync(instanceId, false, cancellationToken)
            ?? throw new Ours.InstanceNotFoundException(instanceId);
        var status = Map(existing.RuntimeStatus);
        if (allowed is not null && !allowed(status)) throw new Ours.InstanceStateException(instanceId, status, operation ?? "change");
    }

    /// <summary>Refuses, before scheduling, an input the orchestrator could not read (as the embedded engine does).</summary>
    private void ValidateInput(Ours.Registration<Ours.ITaskOrchestrator> registration, object? input)
    {
        var inputType = OrchestratorInputType(registration.ImplementationType);
        if (inputType is null) return;
        try
        {
            _converter.Deserialize(_converter.Serialize(input), inputType);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw new Ours.InvalidPayloadException($"The input for orchestrator '{registration.Name}' is not valid: {ex.Message}", ex);
        }
    }

    private static Type? OrchestratorInputType(Type type)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (current.IsGenericType && current.GetGenericTypeDefinition() == typeof(Ours.TaskOrchestrator<,>))
                return current.GetGenericArguments()[0];
        }
        return null;
    }
}
