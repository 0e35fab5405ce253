using System.Text.Json.Serialization;

namespace Serverless.Durable.Embedded.History;

/// <summary>The kinds of events in an instance's history and inbox.</summary>
internal enum EventType
{
    ExecutionStarted = 1,
    OrchestratorStarted = 2,
    TaskScheduled = 3,
    TaskCompleted = 4,
    TaskFailed = 5,
    TimerCreated = 6,
    TimerFired = 7,
    SubOrchestrationCreated = 8,
    SubOrchestrationCompleted = 9,
    SubOrchestrationFailed = 10,
    EventRaised = 11,
    EventSent = 12,
    ExecutionCompleted = 13,
    ExecutionFailed = 14,
    ExecutionTerminated = 15,
    ExecutionSuspended = 16,
    ExecutionResumed = 17,
    ContinuedAsNew = 18,
}

/// <summary>
/// One event, as stored in history and carried in the inbox. A flat record with optional fields keeps
/// the storage format simple: unused fields are not written.
/// </summary>
internal sealed class DurableEvent
{
    public EventType Type { get; set; }

    public DateTime Timestamp { get; set; }

    /// <summary>The task id a scheduling event assigns, or the id a completion refers to.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public int TaskId { get; set; } = -1;

    /// <summary>Activity, orchestrator, timer or event name.</summary>
    public string? Name { get; set; }

    /// <summary>Input, result, payload or reason: serialized text or a large-payload reference.</summary>
    public string? Data { get; set; }

    public StoredFailure? Failure { get; set; }

    public DateTime? FireAt { get; set; }

    /// <summary>Target instance of a sent event, or the instance id of a sub-orchestration.</summary>
    public string? InstanceId { get; set; }

    /// <summary>For ExecutionStarted, the new execution's id; for completions, the execution they belong to.</summary>
    public string? ExecutionId { get; set; }

    /// <summary>For ExecutionStarted and SubOrchestrationCreated: the orchestration version the instance runs as.</summary>
    public string? Version { get; set; }

    public string? ParentInstanceId { get; set; }

    public string? ParentName { get; set; }

    public string? ParentExecutionId { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public int ParentTaskId { get; set; } = -1;

    public bool IsSchedulingEvent => Type is EventType.TaskScheduled or EventType.TimerCreated
        or EventType.SubOrchestrationCreated or EventType.EventSent;

    public override string ToString() => Name is null ? $"{Type}#{TaskId}" : $"{Type} '{Name}'#{TaskId}";
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(DurableEvent))]
[JsonSerializable(typeof(StoredFailure))]
internal sealed partial class DurableEventJsonContext : JsonSerializerContext;
