using DurableTask.Core;
using DurableTask.Core.History;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Serverless.Durable;

/// <summary>
/// One step of an instance's history, for people and tools (the CLI's history, the timeline page):
/// when, what, which task. <see cref="TaskId"/> ties a scheduled task to its completion.
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

/// <summary>Reads Durable Task's history events (<see cref="HistoryEvent"/>) as <see cref="OrchestrationHistoryEvent"/>s.</summary>
public static class OrchestrationHistory
{
    /// <summary>
    /// The instance's history through <see cref="DurableTaskClient.GetOrchestrationHistoryAsync"/>. Throws
    /// <see cref="NotSupportedException"/> on a client that keeps none (Durable Functions in Azure).
    /// </summary>
    public static async Task<IReadOnlyList<OrchestrationHistoryEvent>> GetHistoryAsync(this DurableTaskClient client,
        string instanceId, CancellationToken cancellationToken = default) =>
        Describe(await client.GetOrchestrationHistoryAsync(instanceId, cancellationToken).ConfigureAwait(false));

    /// <summary>Names completions after the step that scheduled them; leaves out the runtime's bookkeeping events.</summary>
    public static IReadOnlyList<OrchestrationHistoryEvent> Describe(IEnumerable<HistoryEvent> history)
    {
        var names = new Dictionary<int, string?>();
        var steps = new List<OrchestrationHistoryEvent>();
        foreach (var e in history)
        {
            var step = e switch
            {
                ExecutionStartedEvent s => Step("ExecutionStarted", s.Name, null, s.Input),
                OrchestratorStartedEvent => Step("OrchestratorStarted", null, null, null),
                TaskScheduledEvent s => Scheduled(s.EventId, s.Name, s.Input),
                TaskCompletedEvent c => Step("TaskCompleted", NameOf(c.TaskScheduledId), c.TaskScheduledId, c.Result),
                TaskFailedEvent f => Step("TaskFailed", NameOf(f.TaskScheduledId), f.TaskScheduledId, null, Failure(f.FailureDetails, f.Reason, f.Details)),
                TimerCreatedEvent t => Scheduled(t.EventId, "timer", null) with { EventType = "TimerCreated", FireAt = t.FireAt },
                TimerFiredEvent t => Step("TimerFired", "timer", t.TimerId, null) with { FireAt = t.FireAt },
                SubOrchestrationInstanceCreatedEvent s => Scheduled(s.EventId, s.Name, s.Input) with { EventType = "SubOrchestrationCreated" },
                SubOrchestrationInstanceCompletedEvent c => Step("SubOrchestrationCompleted", NameOf(c.TaskScheduledId), c.TaskScheduledId, c.Result),
                SubOrchestrationInstanceFailedEvent f => Step("SubOrchestrationFailed", NameOf(f.TaskScheduledId), f.TaskScheduledId, null,
                    Failure(f.FailureDetails, f.Reason, f.Details)),
                EventRaisedEvent r => Step("EventRaised", r.Name, null, r.Input),
                EventSentEvent s => Step("EventSent", s.Name, s.EventId, s.Input),
                ExecutionSuspendedEvent s => Step("ExecutionSuspended", null, null, s.Reason),
                ExecutionResumedEvent r => Step("ExecutionResumed", null, null, r.Reason),
                ExecutionTerminatedEvent t => Step("ExecutionTerminated", null, null, t.Input),
                ContinueAsNewEvent c => Step("ContinuedAsNew", null, null, c.Result),
                ExecutionCompletedEvent c => c.OrchestrationStatus switch
                {
                    OrchestrationStatus.Failed => Step("ExecutionFailed", null, null, null, Failure(c.FailureDetails, c.Result, null)),
                    OrchestrationStatus.Terminated => Step("ExecutionTerminated", null, null, c.Result),
                    _ => Step("ExecutionCompleted", null, null, c.Result),
                },
                _ => null,
            };
            if (step is null) continue;
            steps.Add(step with { Sequence = steps.Count, Timestamp = DateTime.SpecifyKind(e.Timestamp, DateTimeKind.Utc) });
        }
        return steps;

        OrchestrationHistoryEvent Scheduled(int taskId, string? name, string? input)
        {
            names[taskId] = name;
            return Step("TaskScheduled", name, taskId, input);
        }

        string? NameOf(int taskId) => names.GetValueOrDefault(taskId);
    }

    private static OrchestrationHistoryEvent Step(string type, string? name, int? taskId, string? data, TaskFailureDetails? failure = null) =>
        new(0, default, type, name, taskId, data, failure);

    /// <summary>Durable Task Core's failure details as the client's <see cref="TaskFailureDetails"/>.</summary>
    public static TaskFailureDetails? ToTaskFailureDetails(this FailureDetails? details) =>
        details is null ? null : new TaskFailureDetails(details.ErrorType, details.ErrorMessage, details.StackTrace,
            details.InnerFailure.ToTaskFailureDetails(), null);

    private static TaskFailureDetails? Failure(FailureDetails? details, string? reason, string? detail) =>
        details.ToTaskFailureDetails() ?? (reason is null && detail is null ? null : new TaskFailureDetails("Unknown", reason ?? detail ?? "", detail, null, null));
}
