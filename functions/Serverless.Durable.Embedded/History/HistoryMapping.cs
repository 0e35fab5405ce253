using DurableTask.Core;
using DurableTask.Core.History;
using EventType = Serverless.Durable.Embedded.History.EventType;

namespace Serverless.Durable.Embedded.History;

/// <summary>The engine's stored events as Durable Task's history events, for <c>GetOrchestrationHistoryAsync</c>.</summary>
internal static class HistoryMapping
{
    public static List<HistoryEvent> ToHistoryEvents(IEnumerable<DurableEvent> events)
    {
        var list = new List<HistoryEvent>();
        foreach (var e in events)
        {
            HistoryEvent? mapped = e.Type switch
            {
                EventType.ExecutionStarted => new ExecutionStartedEvent(-1, e.Data)
                {
                    Name = e.Name,
                    Version = e.Version ?? "",
                    OrchestrationInstance = new OrchestrationInstance { ExecutionId = e.ExecutionId },
                },
                EventType.OrchestratorStarted => new OrchestratorStartedEvent(-1),
                EventType.TaskScheduled => new TaskScheduledEvent(e.TaskId, e.Name ?? "", e.Version ?? "", e.Data),
                EventType.TaskCompleted => new TaskCompletedEvent(-1, e.TaskId, e.Data),
                EventType.TaskFailed => new TaskFailedEvent(-1, e.TaskId, e.Failure?.ErrorMessage, null, ToCore(e.Failure)),
                EventType.TimerCreated => new TimerCreatedEvent(e.TaskId, e.FireAt ?? e.Timestamp),
                EventType.TimerFired => new TimerFiredEvent(-1, e.FireAt ?? e.Timestamp) { TimerId = e.TaskId },
                EventType.SubOrchestrationCreated => new SubOrchestrationInstanceCreatedEvent(e.TaskId)
                {
                    Name = e.Name,
                    Version = e.Version ?? "",
                    InstanceId = e.InstanceId,
                    Input = e.Data,
                },
                EventType.SubOrchestrationCompleted => new SubOrchestrationInstanceCompletedEvent(-1, e.TaskId, e.Data),
                EventType.SubOrchestrationFailed => new SubOrchestrationInstanceFailedEvent(-1, e.TaskId, e.Failure?.ErrorMessage, null, ToCore(e.Failure)),
                EventType.EventRaised => new EventRaisedEvent(-1, e.Data) { Name = e.Name },
                EventType.EventSent => new EventSentEvent(e.TaskId) { Name = e.Name, InstanceId = e.InstanceId, Input = e.Data },
                EventType.ExecutionCompleted => new ExecutionCompletedEvent(-1, e.Data, OrchestrationStatus.Completed, null),
                EventType.ExecutionFailed => new ExecutionCompletedEvent(-1, null, OrchestrationStatus.Failed, ToCore(e.Failure)),
                EventType.ExecutionTerminated => new ExecutionTerminatedEvent(-1, e.Data),
                EventType.ExecutionSuspended => new ExecutionSuspendedEvent(-1, e.Data),
                EventType.ExecutionResumed => new ExecutionResumedEvent(-1, e.Data),
                EventType.ContinuedAsNew => new ContinueAsNewEvent(-1, e.Data),
                _ => null,
            };
            if (mapped is null) continue;
            mapped.Timestamp = e.Timestamp;
            list.Add(mapped);
        }
        return list;
    }

    private static FailureDetails? ToCore(StoredFailure? failure) =>
        failure is null ? null : new FailureDetails(failure.ErrorType, failure.ErrorMessage, failure.StackTrace, ToCore(failure.InnerFailure), false);
}
