using Microsoft.Extensions.Logging;
using Serverless.Durable.Embedded.History;

namespace Serverless.Durable.Embedded.Execution;

/// <summary>The embedded engine's <see cref="IOrchestrationContext"/>: turns calls into scheduling actions on the executor.</summary>
internal sealed class EmbeddedOrchestrationContext(OrchestrationExecutor executor) : IOrchestrationContext
{
    public string Name => executor.Name;

    public string InstanceId => executor.InstanceId;

    public ParentOrchestrationInstance? Parent => executor.Parent;

    public DateTime CurrentUtcDateTime => executor.CurrentUtcDateTime;

    public bool IsReplaying => executor.IsReplaying;

    public T? GetInput<T>() => executor.Converter.Deserialize<T>(executor.SerializedInput);

    public Task<TResult> CallActivityAsync<TResult>(string name, object? input = null, TaskOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var data = executor.Converter.Serialize(input);
        return options?.Retry is { } retry
            ? WithRetry(_ => ScheduleActivity<TResult>(name, data), retry)
            : ScheduleActivity<TResult>(name, data);
    }

    public Task CallActivityAsync(string name, object? input = null, TaskOptions? options = null) =>
        CallActivityAsync<object?>(name, input, options);

    public Task<TResult> CallSubOrchestratorAsync<TResult>(string orchestratorName, object? input = null, TaskOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(orchestratorName);
        var data = executor.Converter.Serialize(input);
        var chosenId = (options as SubOrchestrationOptions)?.InstanceId;
        return options?.Retry is { } retry
            ? WithRetry(attempt => ScheduleSubOrchestration<TResult>(orchestratorName, data, chosenId, attempt), retry)
            : ScheduleSubOrchestration<TResult>(orchestratorName, data, chosenId, 1);
    }

    public Task CallSubOrchestratorAsync(string orchestratorName, object? input = null, TaskOptions? options = null) =>
        CallSubOrchestratorAsync<object?>(orchestratorName, input, options);

    public Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken)
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

    public Task CreateTimer(TimeSpan delay, CancellationToken cancellationToken) =>
        CreateTimer(CurrentUtcDateTime.Add(delay), cancellationToken);

    public Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(eventName);
        return Deserialize<T>(executor.WaitForEvent(eventName, cancellationToken));
    }

    public async Task<T> WaitForExternalEvent<T>(string eventName, TimeSpan timeout)
    {
        // The timeout is a durable timer, so it survives restarts and replays like any other step.
        using var timerCancellation = new CancellationTokenSource();
        var timeoutTask = CreateTimer(timeout, timerCancellation.Token);
        using var eventCancellation = new CancellationTokenSource();
        var eventTask = WaitForExternalEvent<T>(eventName, eventCancellation.Token);

        var winner = await Task.WhenAny(timeoutTask, eventTask);
        if (winner == eventTask) timerCancellation.Cancel();
        else eventCancellation.Cancel();
        return await eventTask;
    }

    public void SendEvent(string instanceId, string eventName, object? payload)
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

    public void SetCustomStatus(object? customStatus) => executor.SetCustomStatus(customStatus);

    public void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true) =>
        executor.ContinueAsNew(newInput, preserveUnprocessedEvents);

    public Guid NewGuid() => executor.NewGuid();

    public ILogger CreateReplaySafeLogger(string categoryName) =>
        new ReplaySafeLogger(executor.LoggerFactory.CreateLogger(categoryName), () => executor.IsReplaying);

    private Task<TResult> ScheduleActivity<TResult>(string name, string? data)
    {
        var completion = new TaskCompletionSource<string?>();
        var action = new DurableEvent { Type = EventType.TaskScheduled, Name = name, Data = data };
        var id = 0;
        id = executor.Schedule(action, e =>
        {
            if (e.Type == EventType.TaskCompleted) completion.TrySetResult(e.Data);
            else completion.TrySetException(new TaskFailedException(name, id, e.Failure ?? Unknown));
        });
        return Deserialize<TResult>(completion.Task);
    }

    private Task<TResult> ScheduleSubOrchestration<TResult>(string name, string? data, string? chosenId, int attempt)
    {
        var completion = new TaskCompletionSource<string?>();
        var action = new DurableEvent { Type = EventType.SubOrchestrationCreated, Name = name, Data = data };
        var id = 0;
        id = executor.Schedule(action, e =>
        {
            if (e.Type == EventType.SubOrchestrationCompleted) completion.TrySetResult(e.Data);
            else completion.TrySetException(new TaskFailedException(name, id, e.Failure ?? Unknown));
        });
        // Default ids are readable and deterministic: the parent's id and the step number.
        action.InstanceId = chosenId is null ? $"{InstanceId}:{id}" : attempt == 1 ? chosenId : $"{chosenId}:{attempt}";
        return Deserialize<TResult>(completion.Task);
    }

    private async Task<TResult> WithRetry<TResult>(Func<int, Task<TResult>> attemptCall, RetryPolicy policy)
    {
        var firstAttemptAt = CurrentUtcDateTime;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await attemptCall(attempt);
            }
            catch (TaskFailedException failure)
            {
                if (attempt >= policy.MaxNumberOfAttempts) throw;
                if (policy.HandleFailure is { } handle && !handle(failure.FailureDetails)) throw;
                var delay = policy.GetDelayBeforeAttempt(attempt + 1);
                if (policy.RetryTimeout != Timeout.InfiniteTimeSpan && CurrentUtcDateTime + delay - firstAttemptAt > policy.RetryTimeout) throw;
                await CreateTimer(CurrentUtcDateTime + delay, CancellationToken.None);
            }
        }
    }

    private async Task<T> Deserialize<T>(Task<string?> raw)
    {
        var data = await raw;
        return executor.Converter.Deserialize<T>(data)!;
    }

    private static readonly TaskFailureDetails Unknown = new("Unknown", "The task failed without details.");
}
