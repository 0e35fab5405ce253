using Microsoft.DurableTask;
using Serverless.Durable;

namespace Serverless.Hosting.Api.Workflows;

/// <summary>One step of a run as a person reads it: what ran, when it started, how long it took and how it ended.</summary>
/// <param name="Kind">activity, timer, sub-orchestration, event, or run (the whole execution).</param>
/// <param name="Count">How many tasks the step stands for (a fan-out of one activity is one step).</param>
/// <param name="Outcome">completed, failed, running, fired, waiting, received, terminated, ...</param>
public sealed record TimelineStep(
    string Kind,
    string Name,
    DateTime Start,
    DateTime? End,
    double? DurationSeconds,
    string Outcome,
    int Count = 1,
    int Completed = 0,
    int Failed = 0,
    string? Detail = null);

/// <summary>
/// Builds a run's timeline from its history: each scheduled task is paired with its completion by task
/// id, and adjacent tasks of the same name (a fan-out) become one step with counts, so a run that fans
/// out to thousands of activities still reads as a handful of lines.
/// </summary>
public static class WorkflowTimeline
{
    public static IReadOnlyList<TimelineStep> Build(IReadOnlyList<OrchestrationHistoryEvent> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var completions = new Dictionary<(string Kind, int TaskId), OrchestrationHistoryEvent>();
        foreach (var e in history)
        {
            if (e.TaskId is not { } id) continue;
            var kind = CompletionKind(e.EventType);
            if (kind is not null) completions[(kind, id)] = e;
        }

        // Tasks still open when the run ended were never needed (an event's timeout timer) or abandoned.
        var ended = history.Any(e => e.EventType is "ExecutionCompleted" or "ExecutionFailed" or "ExecutionTerminated" or "ContinuedAsNew");
        var steps = new List<TimelineStep>();
        Group? group = null;
        DateTime? started = null;
        foreach (var e in history)
        {
            var kind = SchedulingKind(e.EventType);
            if (kind is not null && e.TaskId is { } taskId)
            {
                var name = kind == "timer" ? "timer" : e.Name ?? "(unnamed)";
                if (group is null || group.Kind != kind || group.Name != name)
                {
                    if (group is not null) steps.Add(group.ToStep());
                    group = new Group(kind, name, ended);
                }
                completions.TryGetValue((kind, taskId), out var completion);
                group.Add(e, completion);
                continue;
            }

            switch (e.EventType)
            {
                case "OrchestratorStarted":
                    // A fan-out is scheduled within one episode; a new episode starts a new step.
                    Flush(steps, ref group);
                    break;
                case "ExecutionStarted":
                    started ??= e.Timestamp;
                    break;
                case "EventRaised":
                    Flush(steps, ref group);
                    steps.Add(new TimelineStep("event", e.Name ?? "(unnamed)", e.Timestamp, e.Timestamp, 0, "received"));
                    break;
                case "ExecutionSuspended" or "ExecutionResumed":
                    Flush(steps, ref group);
                    steps.Add(new TimelineStep("run", e.EventType == "ExecutionSuspended" ? "suspended" : "resumed", e.Timestamp, e.Timestamp, 0,
                        e.EventType == "ExecutionSuspended" ? "suspended" : "resumed", Detail: Text(e.Data)));
                    break;
                case "ExecutionCompleted" or "ExecutionFailed" or "ExecutionTerminated" or "ContinuedAsNew":
                    Flush(steps, ref group);
                    var outcome = e.EventType switch
                    {
                        "ExecutionCompleted" => "completed",
                        "ExecutionFailed" => "failed",
                        "ExecutionTerminated" => "terminated",
                        _ => "continued-as-new",
                    };
                    var start = started ?? e.Timestamp;
                    steps.Add(new TimelineStep("run", "whole run", start, e.Timestamp, (e.Timestamp - start).TotalSeconds, outcome,
                        Detail: e.Failure?.RootMessage() ?? (e.EventType == "ExecutionTerminated" ? Text(e.Data) : null)));
                    break;
            }
        }
        Flush(steps, ref group);
        return steps;
    }

    private static void Flush(List<TimelineStep> steps, ref Group? group)
    {
        if (group is not null) steps.Add(group.ToStep());
        group = null;
    }

    private static string? SchedulingKind(string eventType) => eventType switch
    {
        "TaskScheduled" => "activity",
        "TimerCreated" => "timer",
        "SubOrchestrationCreated" => "sub-orchestration",
        _ => null,
    };

    private static string? CompletionKind(string eventType) => eventType switch
    {
        "TaskCompleted" or "TaskFailed" => "activity",
        "TimerFired" => "timer",
        "SubOrchestrationCompleted" or "SubOrchestrationFailed" => "sub-orchestration",
        _ => null,
    };

    private static string? Text(string? data) => data is null ? null : data.Trim('"');

    private sealed class Group(string kind, string name, bool runEnded)
    {
        private DateTime _start = DateTime.MaxValue;
        private DateTime _end = DateTime.MinValue;
        private int _count;
        private int _completed;
        private int _failed;
        private string? _firstFailure;
        private DateTime? _fireAt;

        public string Kind { get; } = kind;

        public string Name { get; } = name;

        public void Add(OrchestrationHistoryEvent scheduled, OrchestrationHistoryEvent? completion)
        {
            _count++;
            if (scheduled.Timestamp < _start) _start = scheduled.Timestamp;
            _fireAt ??= scheduled.FireAt;
            if (completion is null) return;
            if (completion.Timestamp > _end) _end = completion.Timestamp;
            if (completion.EventType.EndsWith("Failed", StringComparison.Ordinal))
            {
                _failed++;
                _firstFailure ??= completion.Failure?.RootMessage();
            }
            else
            {
                _completed++;
            }
        }

        public TimelineStep ToStep()
        {
            var finished = _completed + _failed == _count;
            DateTime? end = finished ? _end : null;
            var outcome = !finished
                ? runEnded ? (Kind == "timer" ? "not needed" : "abandoned") : (Kind == "timer" ? "waiting" : "running")
                : _failed > 0 ? "failed"
                : Kind == "timer" ? "fired" : "completed";
            var detail = _firstFailure
                ?? (Kind == "timer" && _fireAt is { } fireAt ? $"due {fireAt:yyyy-MM-dd HH:mm:ss} UTC" : null);
            return new TimelineStep(Kind, Name, _start, end, end is { } e ? (e - _start).TotalSeconds : null, outcome,
                _count, _completed, _failed, detail);
        }
    }
}
