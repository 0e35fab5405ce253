// Compile-only declarations of the Durable Task types the shell uses (packages Microsoft.DurableTask.Abstractions
// and Microsoft.DurableTask.Client, brought by Microsoft.Azure.Functions.Worker.Extensions.DurableTask).
// See README.md in this folder: not the real packages. Abstract and virtual members are as in the real types.
using Microsoft.Extensions.Logging;

namespace Microsoft.DurableTask
{
    public readonly struct TaskName : IEquatable<TaskName>
    {
        public TaskName(string name) => Name = name;

        public string Name { get; }

        public static implicit operator string(TaskName value) => value.Name;

        public static implicit operator TaskName(string value) => string.IsNullOrEmpty(value) ? default : new(value);

        public static bool operator ==(TaskName a, TaskName b) => a.Equals(b);

        public static bool operator !=(TaskName a, TaskName b) => !a.Equals(b);

        public bool Equals(TaskName other) => string.Equals(Name, other.Name, StringComparison.OrdinalIgnoreCase);

        public override bool Equals(object? obj) => obj is TaskName other && Equals(other);

        public override int GetHashCode() => Name is null ? 0 : StringComparer.OrdinalIgnoreCase.GetHashCode(Name);

        public override string ToString() => Name;
    }

    public record ParentOrchestrationInstance(TaskName Name, string InstanceId);

    public record TaskFailureDetails(string ErrorType, string ErrorMessage, string? StackTrace, TaskFailureDetails? InnerFailure);

    public sealed class TaskFailedException(string taskName, int taskId, TaskFailureDetails failureDetails)
        : Exception($"Task '{taskName}' (#{taskId}) failed with an unhandled exception: {failureDetails.ErrorMessage}")
    {
        public string TaskName { get; } = taskName;

        public int TaskId { get; } = taskId;

        public TaskFailureDetails FailureDetails { get; } = failureDetails;
    }

    public class RetryPolicy
    {
        public RetryPolicy(int maxNumberOfAttempts, TimeSpan firstRetryInterval, double backoffCoefficient = 1.0,
            TimeSpan? maxRetryInterval = null, TimeSpan? retryTimeout = null)
        {
            MaxNumberOfAttempts = maxNumberOfAttempts;
            FirstRetryInterval = firstRetryInterval;
            BackoffCoefficient = backoffCoefficient;
            MaxRetryInterval = maxRetryInterval ?? TimeSpan.FromHours(1);
            RetryTimeout = retryTimeout ?? Timeout.InfiniteTimeSpan;
        }

        public int MaxNumberOfAttempts { get; }

        public TimeSpan FirstRetryInterval { get; }

        public double BackoffCoefficient { get; }

        public TimeSpan MaxRetryInterval { get; }

        public TimeSpan RetryTimeout { get; }
    }

    public record RetryContext(
        TaskOrchestrationContext OrchestrationContext,
        int LastAttemptNumber,
        TaskFailureDetails LastFailure,
        TimeSpan TotalRetryTime,
        CancellationToken CancellationToken);

    public delegate Task<bool> AsyncRetryHandler(RetryContext retryContext);

    public sealed class TaskRetryOptions
    {
        public TaskRetryOptions(RetryPolicy policy) => Policy = policy;

        public TaskRetryOptions(AsyncRetryHandler handler) => Handler = handler;

        public RetryPolicy? Policy { get; }

        public AsyncRetryHandler? Handler { get; }

        public static implicit operator TaskRetryOptions(RetryPolicy policy) => new(policy);
    }

    public record TaskOptions
    {
        public TaskOptions(TaskRetryOptions? retry = null) => Retry = retry;

        public TaskRetryOptions? Retry { get; init; }
    }

    public record SubOrchestrationOptions : TaskOptions
    {
        public SubOrchestrationOptions(TaskRetryOptions? retry = null, string? instanceId = null)
            : base(retry) => InstanceId = instanceId;

        public string? InstanceId { get; init; }
    }

    public record StartOrchestrationOptions
    {
        public StartOrchestrationOptions(string? InstanceId = null, DateTimeOffset? StartAt = null)
        {
            this.InstanceId = InstanceId;
            this.StartAt = StartAt;
        }

        public string? InstanceId { get; init; }

        public DateTimeOffset? StartAt { get; init; }
    }

    public abstract class TaskOrchestrationContext
    {
        public abstract TaskName Name { get; }

        public abstract string InstanceId { get; }

        public abstract string InstanceVersion { get; }

        public abstract ParentOrchestrationInstance? Parent { get; }

        public abstract DateTime CurrentUtcDateTime { get; }

        public abstract bool IsReplaying { get; }

        protected abstract ILoggerFactory LoggerFactory { get; }

        public abstract T? GetInput<T>();

        public virtual Task CallActivityAsync(TaskName name, object? input = null, TaskOptions? options = null) =>
            CallActivityAsync<object>(name, input, options);

        public virtual Task CallActivityAsync(TaskName name, TaskOptions options) => CallActivityAsync(name, null, options);

        public virtual Task<TResult> CallActivityAsync<TResult>(TaskName name, TaskOptions options) =>
            CallActivityAsync<TResult>(name, null, options);

        public abstract Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null);

        public virtual Task CreateTimer(TimeSpan delay, CancellationToken cancellationToken) =>
            CreateTimer(CurrentUtcDateTime.Add(delay), cancellationToken);

        public abstract Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken);

        public abstract Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default);

        public abstract void SendEvent(string instanceId, string eventName, object payload);

        public abstract void SetCustomStatus(object? customStatus);

        public abstract Task<TResult> CallSubOrchestratorAsync<TResult>(TaskName orchestratorName, object? input = null, TaskOptions? options = null);

        public virtual Task<TResult> CallSubOrchestratorAsync<TResult>(TaskName orchestratorName, TaskOptions options) =>
            CallSubOrchestratorAsync<TResult>(orchestratorName, null, options);

        public virtual Task CallSubOrchestratorAsync(TaskName orchestratorName, TaskOptions options) =>
            CallSubOrchestratorAsync(orchestratorName, null, options);

        public virtual Task CallSubOrchestratorAsync(TaskName orchestratorName, object? input = null, TaskOptions? options = null) =>
            CallSubOrchestratorAsync<object>(orchestratorName, input, options);

        public abstract void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true);

        public abstract Guid NewGuid();
    }

    public sealed class Page<T>(IReadOnlyList<T> values, string? continuationToken = null)
        where T : notnull
    {
        public IReadOnlyList<T> Values { get; } = values;

        public string? ContinuationToken { get; } = continuationToken;
    }

    public abstract class AsyncPageable<T> : IAsyncEnumerable<T>
        where T : notnull
    {
        public abstract IAsyncEnumerable<Page<T>> AsPages(string? continuationToken = default, int? pageSizeHint = default);

        public async IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default)
        {
            await foreach (var page in AsPages().WithCancellation(cancellationToken))
            {
                foreach (var value in page.Values) yield return value;
            }
        }
    }
}

namespace Microsoft.DurableTask.Client
{
    public enum OrchestrationRuntimeStatus
    {
        Running,
        Completed,
        ContinuedAsNew,
        Failed,
        Canceled,
        Terminated,
        Pending,
        Suspended,
    }

    public sealed class OrchestrationMetadata(string name, string instanceId)
    {
        public string Name { get; } = name;

        public string InstanceId { get; } = instanceId;

        public OrchestrationRuntimeStatus RuntimeStatus { get; init; }

        public DateTimeOffset CreatedAt { get; init; }

        public DateTimeOffset LastUpdatedAt { get; init; }

        public string? SerializedInput { get; init; }

        public string? SerializedOutput { get; init; }

        public string? SerializedCustomStatus { get; init; }

        public TaskFailureDetails? FailureDetails { get; init; }
    }

    public record OrchestrationQuery(
        DateTimeOffset? CreatedFrom = null,
        DateTimeOffset? CreatedTo = null,
        IEnumerable<OrchestrationRuntimeStatus>? Statuses = null,
        IEnumerable<string>? TaskHubNames = null,
        string? InstanceIdPrefix = null,
        int PageSize = OrchestrationQuery.DefaultPageSize,
        bool FetchInputsAndOutputs = false,
        string? ContinuationToken = null)
    {
        public const int DefaultPageSize = 100;
    }

    public class PurgeResult(int count)
    {
        public int PurgedInstanceCount { get; } = count;
    }

    public class PurgeInstanceOptions
    {
        public bool Recursive { get; init; }
    }

    public class TerminateInstanceOptions
    {
        public object? Output { get; init; }

        public bool Recursive { get; init; }
    }

    public abstract class DurableTaskClient : IAsyncDisposable
    {
        protected DurableTaskClient(string name) => Name = name;

        public string Name { get; }

        public virtual Task<string> ScheduleNewOrchestrationInstanceAsync(TaskName orchestratorName, CancellationToken cancellation) =>
            ScheduleNewOrchestrationInstanceAsync(orchestratorName, null, null, cancellation);

        public virtual Task<string> ScheduleNewOrchestrationInstanceAsync(TaskName orchestratorName, object? input, CancellationToken cancellation) =>
            ScheduleNewOrchestrationInstanceAsync(orchestratorName, input, null, cancellation);

        public abstract Task<string> ScheduleNewOrchestrationInstanceAsync(TaskName orchestratorName, object? input = null,
            StartOrchestrationOptions? options = null, CancellationToken cancellation = default);

        public virtual Task RaiseEventAsync(string instanceId, string eventName, CancellationToken cancellation) =>
            RaiseEventAsync(instanceId, eventName, null, cancellation);

        public abstract Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default);

        public abstract Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false,
            CancellationToken cancellation = default);

        public abstract Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false,
            CancellationToken cancellation = default);

        public virtual Task TerminateInstanceAsync(string instanceId, CancellationToken cancellation) =>
            TerminateInstanceAsync(instanceId, (TerminateInstanceOptions?)null, cancellation);

        public virtual Task TerminateInstanceAsync(string instanceId, object? output, CancellationToken cancellation = default) =>
            TerminateInstanceAsync(instanceId, output is null ? null : new TerminateInstanceOptions { Output = output }, cancellation);

        public virtual Task TerminateInstanceAsync(string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellation = default) =>
            throw new NotSupportedException("Compile-only declaration.");

        public abstract Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default);

        public abstract Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default);

        public virtual Task<OrchestrationMetadata?> GetInstanceAsync(string instanceId, CancellationToken cancellation) =>
            GetInstanceAsync(instanceId, false, cancellation);

        public virtual Task<OrchestrationMetadata?> GetInstanceAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
            GetInstancesAsync(instanceId, getInputsAndOutputs, cancellation);

        public abstract Task<OrchestrationMetadata?> GetInstancesAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default);

        public abstract AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null);

        public virtual Task<PurgeResult> PurgeInstanceAsync(string instanceId, CancellationToken cancellation) =>
            PurgeInstanceAsync(instanceId, null, cancellation);

        public virtual Task<PurgeResult> PurgeInstanceAsync(string instanceId, PurgeInstanceOptions? options = null, CancellationToken cancellation = default) =>
            throw new NotSupportedException("Compile-only declaration.");

        public abstract ValueTask DisposeAsync();
    }
}
