using Serverless.Durable.Embedded.History;

namespace Serverless.Durable.Embedded.Persistence;

/// <summary>An instance row as the engine reads it.</summary>
internal sealed record InstanceRow(
    string Id,
    string Name,
    string ExecutionId,
    InstanceStatus Status,
    string? Input,
    string? Output,
    string? CustomStatus,
    StoredFailure? Failure,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DateTime? ScheduledStart,
    long HistoryCount,
    ParentReference? Parent);

/// <summary>Where a sub-orchestration reports back to.</summary>
internal sealed record ParentReference(string InstanceId, string Name, string ExecutionId, int TaskId);

/// <summary>Inbox message kinds, stored as integers so the claim query can filter on them.</summary>
internal enum MessageKind
{
    ExecutionStarted = 1,
    Completion = 2,
    TimerFired = 3,
    EventRaised = 4,
    Terminate = 5,
    Suspend = 6,
    Resume = 7,
}

/// <summary>A message waiting in an instance's inbox.</summary>
internal sealed record InboxMessage(long Id, MessageKind Kind, DurableEvent Event);

/// <summary>
/// An instance claimed for one episode, with the messages it is to apply. <paramref name="Poison"/> says why
/// a message could not be read; such an instance fails instead of running.
/// </summary>
internal sealed record OrchestrationWorkItem(InstanceRow Instance, List<InboxMessage> Messages, string? Poison = null);

/// <summary>What became of an episode in a batch commit.</summary>
internal enum CommitOutcome
{
    /// <summary>Written as the episode produced it.</summary>
    Committed,

    /// <summary>
    /// Not written: the instance's lock is no longer this worker's, or its state or messages changed since
    /// the claim (another worker took it over, and its episode counts); or the episode was skipped (its lock
    /// is released for a retry); or not even the instance's failure could be written (its lock expires).
    /// </summary>
    NotWritten,

    /// <summary>The episode could not be written; the instance was failed instead, with the reason.</summary>
    Failed,
}

/// <summary>An activity leased for execution.</summary>
internal sealed record ActivityWorkItem(long Id, string InstanceId, string ExecutionId, int TaskId, string Name, string? Input, int Attempt);

/// <summary>The result of running an activity, to be committed with its work item's removal.</summary>
internal sealed record ActivityCompletion(ActivityWorkItem Item, string? Result, StoredFailure? Failure, DateTime CompletedAt);

/// <summary>The new state of an instance after an episode, with everything to write in the same transaction.</summary>
internal sealed class EpisodeCommit
{
    public required InstanceRow Instance { get; init; }

    public List<long> ConsumedMessageIds { get; } = [];

    public List<DurableEvent> AppendHistory { get; } = [];

    public List<DurableEvent> Actions { get; } = [];

    public InstanceStatus Status { get; set; }

    public string? Output { get; set; }

    public StoredFailure? Failure { get; set; }

    public string? CustomStatus { get; set; }

    /// <summary>For continue-as-new: the next execution's id, input and carried-over events.</summary>
    public string? NewExecutionId { get; set; }

    public string? NewInput { get; set; }

    public string? NewVersion { get; set; }

    public List<(string Name, string? Data)> CarriedOverEvents { get; } = [];

    public bool IsTerminal => Status.IsTerminal();

    /// <summary>The episode could not run for a reason outside the instance: write nothing, release the lock.</summary>
    public bool Skip { get; set; }

    /// <summary>Replaces what the episode produced by the instance's failure, consuming the same messages.</summary>
    public void FailInstead(StoredFailure failure, DateTime now)
    {
        Status = InstanceStatus.Failed;
        Failure = failure;
        Output = null;
        NewExecutionId = null;
        NewInput = null;
        CarriedOverEvents.Clear();
        Actions.Clear();
        AppendHistory.Clear();
        AppendHistory.Add(new DurableEvent { Type = EventType.ExecutionFailed, Timestamp = now, Failure = failure });
    }
}

/// <summary>A filter over instances, as the store runs it; every criterion is optional.</summary>
internal sealed record InstanceQuery(
    IReadOnlyCollection<InstanceStatus>? Statuses = null,
    string? Name = null,
    DateTime? CreatedFrom = null,
    DateTime? CreatedTo = null,
    string? InstanceIdPrefix = null,
    int PageSize = 100,
    string? ContinuationToken = null,
    bool FetchInputsAndOutputs = false);
