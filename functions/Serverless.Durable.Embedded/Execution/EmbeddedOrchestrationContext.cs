using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Serverless.Durable.Embedded.History;

namespace Serverless.Durable.Embedded.Execution;

/// <summary>
/// The embedded engine's <see cref="TaskOrchestrationContext"/>: turns the orchestrator's calls into
/// scheduling actions on its executor. Orchestrators see the same type on every engine.
/// </summary>
internal sealed class EmbeddedOrchestrationContext(OrchestrationExecutor executor) : TaskOrchestrationContext
{
    public override TaskName Name => executor.Name;

    public override string InstanceId => executor.InstanceId;

    public override ParentOrchestrationInstance? Parent => executor.Parent;

    public override DateTime CurrentUtcDateTime => executor.CurrentUtcDateTime;

    public override bool IsReplaying => executor.IsReplaying;

    /// <summary>The version the instance was started with (empty when unversioned), as Durable Task reports it.</summary>
    public override string Version => executor.Version;

    protected override ILoggerFactory LoggerFactory => executor.LoggerFactory;

    public override T GetInput<T>() => executor.Converter.Deserialize<T>(executor.SerializedInput)!;

    public override Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name.Name);
        if (input is TaskOptions && options is null)
            throw new ArgumentException("A TaskOptions value was passed as the activity's input; pass it as the options argument.", nameof(input));
        var data = executor.Converter.Serialize(input);
        return WithRetry(name.Name, _ => ScheduleActivity<TResult>(name.Name, data), options?.Retry);
    }

    public override Task<TResult> CallSubOrchestratorAsync<TResult>(TaskName orchestratorName, object? input = null, TaskOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(orchestratorName.Name);
        var data = executor.Converter.Serialize(input);
        var chosenId = (options as SubOrchestrationOptions)?.InstanceId;
        // A sub-orchestration is a new instance: without an explicit version it starts at the default version.
        var version = options?.Version is { } v ? v.Version ?? "" : executor.DefaultVersion;
        return WithRetry(orchestratorName.Name,
            attempt => ScheduleSubOrchestration<TResult>(orchestratorName.Name, version, data, chosenId, attempt), options?.Retry);
    }

    public override Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken)
    {
        var completion = new TaskCompletionSource();
        var action = new DurableEvent { Type = EventType.TimerCreated, FireAt = DateTime.SpecifyKind(fireAt.ToUniversalTime(), DateTimeKind.Utc) };
        executor.Schedule(action, _ => completion.TrySetResult());
        if (cancellationToken.CanBeCanceled)
        {
            // A cancelled timer stays in the schedule; its firing is ignored.
            cancellationToken.Register(() => completion.TrySetCanceled(cancellationToken));
        }
        return completion.Task;
    }

    public override Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(eventName);
        return Deserialize<T>(executor.WaitForEvent(eventName, cancellationToken));
    }

    public override void SendEvent(string instanceId, string eventName, object payload)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        ArgumentException.ThrowIfNullOrWhiteSpace(eventName);
        executor.Schedule(new DurableEvent
        {
            Type = EventType.EventSent,
            InstanceId = instanceId,
            Name = eventName,
            Data = executor.Converter.Serialize(payload),
        }, onCompleted: null);
    }

    public override void SetCustomStatus(object? customStatus) => executor.SetCustomStatus(customStatus);

    public override void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true) =>
        executor.ContinueAsNew(newInput, preserveUnprocessedEvents, newVersion: null);

    public override void ContinueAsNew(ContinueAsNewOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        executor.ContinueAsNew(options.NewInput, options.PreserveUnprocessedEvents,
            string.IsNullOrWhiteSpace(options.NewVersion) ? null : options.NewVersion);
    }

    public override Guid NewGuid() => executor.NewGuid();

    private Task<TResult> ScheduleActivity<TResult>(string name, string? data)
    {
        var completion = new TaskCompletionSource<string?>();
        var action = new DurableEvent { Type = EventType.TaskScheduled, Name = name, Data = data };
        var id = 0;
        id = executor.Schedule(action, e =>
        {
            if (e.Type == EventType.TaskCompleted) completion.TrySetResult(e.Data);
            else completion.TrySetException(new TaskFailedException(name, id, (e.Failure ?? Unknown).ToDetails()));
        });
        return Deserialize<TResult>(completion.Task);
    }

    private Task<TResult> ScheduleSubOrchestration<TResult>(string name, string version, string? data, string? chosenId, int attempt)
    {
        var completion = new TaskCompletionSource<string?>();
        var action = new DurableEvent { Type = EventType.SubOrchestrationCreated, Name = name, Version = version, Data = data };
        var id = 0;
        id = executor.Schedule(action, e =>
        {
            if (e.Type == EventType.SubOrchestrationCompleted) completion.TrySetResult(e.Data);
            else completion.TrySetException(new TaskFailedException(name, id, (e.Failure ?? Unknown).ToDetails()));
        });
        // Default ids are readable and deterministic: the parent's id and the step number.
        action.InstanceId = chosenId is null ? $"{InstanceId}:{id}" : attempt == 1 ? chosenId : $"{chosenId}:{attempt}";
        return Deserialize<TResult>(completion.Task);
    }

    /// <summary>
    /// Retries as Durable Task does: a <see cref="RetryPolicy"/> waits on durable timers (first interval times
    /// the back-off coefficient per attempt, capped, no new attempt once the retry timeout has passed since the
    /// first one, failures filtered by <see cref="RetryPolicy.HandleFailure"/>, and one more wait after the last
    /// attempt before its failure is thrown); a retry handler decides itself.
    /// </summary>
    private async Task<TResult> WithRetry<TResult>(string name, Func<int, Task<TResult>> attemptCall, TaskRetryOptions? retry)
    {
        if (retry is null) return await attemptCall(1);
        var firstAttemptAt = CurrentUtcDateTime;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await attemptCall(attempt);
            }
            catch (TaskFailedException failure)
            {
                if (retry.Handler is { } handler)
                {
                    var context = new RetryContext(this, attempt, failure.FailureDetails, CurrentUtcDateTime - firstAttemptAt, CancellationToken.None);
                    if (!await handler(context)) throw;
                    continue;
                }

                var policy = retry.Policy!;
                if (!policy.Handles(failure.FailureDetails)) throw;
                if (policy.RetryTimeout != Timeout.InfiniteTimeSpan && CurrentUtcDateTime >= firstAttemptAt + policy.RetryTimeout) throw;
                // Durable Task waits out the back-off after the last attempt too, and only then fails: the timer takes
                // a task id, so the ids of later tasks (which appear in failure messages) match the real runtime's.
                await CreateTimer(CurrentUtcDateTime + DelayAfter(policy, attempt), CancellationToken.None);
                if (attempt >= policy.MaxNumberOfAttempts) throw;
            }
        }
    }

    private static TimeSpan DelayAfter(RetryPolicy policy, int failedAttempt)
    {
        var milliseconds = policy.FirstRetryInterval.TotalMilliseconds * Math.Pow(policy.BackoffCoefficient, failedAttempt - 1);
        return milliseconds < policy.MaxRetryInterval.TotalMilliseconds ? TimeSpan.FromMilliseconds(milliseconds) : policy.MaxRetryInterval;
    }

    private async Task<T> Deserialize<T>(Task<string?> raw)
    {
        var data = await raw;
        return executor.Converter.Deserialize<T>(data)!;
    }

    private static readonly StoredFailure Unknown = new("Unknown", "The task failed without details.");
}
