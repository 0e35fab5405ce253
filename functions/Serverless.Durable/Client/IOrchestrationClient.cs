namespace Serverless.Durable;

/// <summary>
/// Starts and manages orchestration instances. Method names follow Durable Task's
/// <c>DurableTaskClient</c>; <see cref="GetHistoryAsync"/> is an addition for the CLI and the timeline page.
/// </summary>
public interface IOrchestrationClient
{
    /// <summary>
    /// Schedules a new instance and returns its id. Fails with <see cref="UnknownTaskException"/> for an
    /// unknown orchestrator, <see cref="InvalidPayloadException"/> for an input the orchestrator cannot read,
    /// and <see cref="InstanceAlreadyExistsException"/> for an id in use.
    /// </summary>
    Task<string> ScheduleNewOrchestrationInstanceAsync(
        string orchestratorName, object? input = null, StartOrchestrationOptions? options = null,
        CancellationToken cancellationToken = default);

    /// <summary>The instance's metadata, or null when it does not exist.</summary>
    Task<OrchestrationMetadata?> GetInstanceAsync(string instanceId, bool getInputsAndOutputs = true,
        CancellationToken cancellationToken = default);

    /// <summary>Waits until the instance completes, fails or is terminated.</summary>
    Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = true,
        CancellationToken cancellationToken = default);

    /// <summary>Waits until the instance has started running (or already finished).</summary>
    Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Delivers an event; kept until the orchestrator waits for it. Fails with
    /// <see cref="InstanceStateException"/> when the instance has finished.
    /// </summary>
    Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null,
        CancellationToken cancellationToken = default);

    Task TerminateInstanceAsync(string instanceId, object? output = null, CancellationToken cancellationToken = default);

    Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default);

    Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a finished instance and its history.</summary>
    Task<PurgeResult> PurgeInstanceAsync(string instanceId, CancellationToken cancellationToken = default);

    Task<OrchestrationQueryResult> QueryInstancesAsync(OrchestrationQuery query, CancellationToken cancellationToken = default);

    /// <summary>The current execution's history, oldest first.</summary>
    Task<IReadOnlyList<OrchestrationHistoryEvent>> GetHistoryAsync(string instanceId, CancellationToken cancellationToken = default);
}
