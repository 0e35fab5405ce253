namespace Serverless.Durable;

/// <summary>What a client can learn about an orchestration instance.</summary>
public sealed record OrchestrationMetadata(
    string InstanceId,
    string Name,
    OrchestrationRuntimeStatus RuntimeStatus,
    DateTime CreatedAt,
    DateTime LastUpdatedAt,
    DateTime? ScheduledStartAt = null,
    string? SerializedInput = null,
    string? SerializedOutput = null,
    string? SerializedCustomStatus = null,
    TaskFailureDetails? FailureDetails = null,
    string? ParentInstanceId = null)
{
    /// <summary>The converter used by the <c>Read…As</c> helpers; set by the client that produced this record.</summary>
    public DataConverter DataConverter { get; init; } = JsonDataConverter.Default;

    public bool IsRunning => RuntimeStatus is OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending
        or OrchestrationRuntimeStatus.Suspended;

    public bool IsCompleted => RuntimeStatus.IsTerminal();

    public T? ReadInputAs<T>() => DataConverter.Deserialize<T>(SerializedInput);

    public T? ReadOutputAs<T>() => DataConverter.Deserialize<T>(SerializedOutput);

    public T? ReadCustomStatusAs<T>() => DataConverter.Deserialize<T>(SerializedCustomStatus);
}

/// <summary>Options for starting an instance: its id and a start time in the future.</summary>
public sealed record StartOrchestrationOptions(string? InstanceId = null, DateTimeOffset? StartAt = null);

/// <summary>A filter over instances; every criterion is optional.</summary>
public sealed record OrchestrationQuery(
    IReadOnlyCollection<OrchestrationRuntimeStatus>? Statuses = null,
    string? Name = null,
    DateTime? CreatedFrom = null,
    DateTime? CreatedTo = null,
    string? InstanceIdPrefix = null,
    int PageSize = 100,
    string? ContinuationToken = null,
    bool FetchInputsAndOutputs = false);

/// <summary>One page of a query; pass <see cref="ContinuationToken"/> back for the next page.</summary>
public sealed record OrchestrationQueryResult(IReadOnlyList<OrchestrationMetadata> Instances, string? ContinuationToken);

/// <summary>The outcome of a purge.</summary>
public sealed record PurgeResult(int PurgedInstanceCount);

/// <summary>
/// One event of an instance's history, for people and tools: when, what, which task.
/// <see cref="TaskId"/> ties a scheduled task to its completion.
/// </summary>
public sealed record OrchestrationHistoryEvent(
    long Sequence,
    DateTime Timestamp,
    string EventType,
    string? Name,
    int? TaskId,
    string? Data,
    TaskFailureDetails? Failure = null,
    DateTime? FireAt = null);
