using Microsoft.Extensions.Logging;

namespace Serverless.Durable;

/// <summary>
/// What an orchestrator may do. The members mirror Durable Task's <c>TaskOrchestrationContext</c>
/// (same names and meanings), so an orchestrator written here runs on the embedded engine and, through
/// a thin adapter, on Durable Functions.
/// </summary>
/// <remarks>
/// Orchestrator code is replayed from history: it must be deterministic. Use
/// <see cref="CurrentUtcDateTime"/> instead of the clock, <see cref="NewGuid"/> instead of
/// <see cref="Guid.NewGuid"/>, durable timers instead of <see cref="Task.Delay(TimeSpan)"/>, and do I/O in
/// activities. Do not use <c>ConfigureAwait(false)</c> in orchestrator code.
/// </remarks>
public interface IOrchestrationContext
{
    /// <summary>The orchestrator's registered name.</summary>
    string Name { get; }

    string InstanceId { get; }

    /// <summary>The orchestration that started this one as a sub-orchestration, or null.</summary>
    ParentOrchestrationInstance? Parent { get; }

    /// <summary>The replay-safe current time: the time the current episode started, read from history.</summary>
    DateTime CurrentUtcDateTime { get; }

    /// <summary>True while the orchestrator re-executes code whose results are already in history.</summary>
    bool IsReplaying { get; }

    /// <summary>The orchestration's input, deserialized.</summary>
    T? GetInput<T>();

    /// <summary>Schedules an activity and returns its result; throws <see cref="TaskFailedException"/> when it fails.</summary>
    Task<TResult> CallActivityAsync<TResult>(string name, object? input = null, TaskOptions? options = null);

    /// <summary>Schedules an activity that returns nothing.</summary>
    Task CallActivityAsync(string name, object? input = null, TaskOptions? options = null);

    /// <summary>Starts a sub-orchestration and returns its output; its failure surfaces as <see cref="TaskFailedException"/>.</summary>
    Task<TResult> CallSubOrchestratorAsync<TResult>(string orchestratorName, object? input = null, TaskOptions? options = null);

    /// <summary>Starts a sub-orchestration whose output is not needed.</summary>
    Task CallSubOrchestratorAsync(string orchestratorName, object? input = null, TaskOptions? options = null);

    /// <summary>A durable timer that fires at <paramref name="fireAt"/> (UTC); cancelling the token abandons it.</summary>
    Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken);

    /// <summary>A durable timer that fires after <paramref name="delay"/> from <see cref="CurrentUtcDateTime"/>.</summary>
    Task CreateTimer(TimeSpan delay, CancellationToken cancellationToken);

    /// <summary>
    /// Waits for an external event by name (case-insensitive). Events raised before the orchestrator
    /// waits are kept and delivered in order.
    /// </summary>
    Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits for an external event at most <paramref name="timeout"/>, measured with a durable timer;
    /// throws <see cref="TaskCanceledException"/> when the timeout expires first.
    /// </summary>
    Task<T> WaitForExternalEvent<T>(string eventName, TimeSpan timeout);

    /// <summary>Raises an event on another orchestration instance.</summary>
    void SendEvent(string instanceId, string eventName, object? payload);

    /// <summary>Sets a status value that clients can read while the orchestration runs.</summary>
    void SetCustomStatus(object? customStatus);

    /// <summary>
    /// Restarts the orchestration with a new input and an empty history once the orchestrator returns.
    /// Events received but not yet consumed are carried over when <paramref name="preserveUnprocessedEvents"/> is true.
    /// </summary>
    void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true);

    /// <summary>A GUID that is the same on every replay of this orchestration.</summary>
    Guid NewGuid();

    /// <summary>A logger that writes only when the orchestrator is not replaying.</summary>
    ILogger CreateReplaySafeLogger(string categoryName);
}
