using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Serverless.Durable.Embedded.Execution;
using Serverless.Durable.Embedded.History;
using Serverless.Durable.Embedded.Persistence;

namespace Serverless.Durable.Embedded.Telemetry;

/// <summary>
/// One engine's traces and metrics. An episode's spans are gathered while it runs and emitted only once its commit
/// succeeded, from the events it newly appended: replayed history produces none, and a failed commit (whose episode
/// runs again) produces none either.
/// </summary>
internal sealed class EngineTelemetry : IDisposable
{
    internal static readonly ActivitySource Source = new(EmbeddedEngineTelemetry.SourceName, typeof(EngineTelemetry).Assembly.GetName().Version?.ToString());

    private readonly Meter _meter;
    private readonly Counter<long> _workItems;
    private readonly Counter<long> _failures;
    private readonly Histogram<double> _activityDuration;
    private readonly Histogram<double> _episodeDuration;
    private readonly ConditionalWeakTable<EpisodeCommit, EpisodeTrace> _pending = [];

    public EngineTelemetry(SqliteEngineStore store, Func<DateTime> utcNow)
    {
        _meter = new Meter(EmbeddedEngineTelemetry.MeterName);
        _workItems = _meter.CreateCounter<long>("serverless.engine.work_items", "{work_item}", "Orchestration episodes and activity executions finished.");
        _failures = _meter.CreateCounter<long>("serverless.engine.failures", "{failure}", "Failed orchestrations and activity executions, by name.");
        _activityDuration = _meter.CreateHistogram<double>("serverless.engine.activity.duration", "s", "How long activity executions take.");
        _episodeDuration = _meter.CreateHistogram<double>("serverless.engine.episode.duration", "s", "How long orchestration episodes take (replay and new events, before the commit).");
        _meter.CreateObservableGauge("serverless.engine.queue.depth", () => Queue(store, utcNow, age: false), "{item}",
            "Messages ready for an episode, and activities waiting for a worker.");
        _meter.CreateObservableGauge("serverless.engine.queue.oldest_age", () => Queue(store, utcNow, age: true), "s",
            "How long the oldest ready message, and the oldest waiting activity, have waited.");
    }

    public static bool Tracing => Source.HasListeners();

    public void Dispose() => _meter.Dispose();

    // ---- Episodes ----

    /// <summary>Records what an episode did, for <see cref="Committed"/>. Also keeps the executor's step table small.</summary>
    public void EpisodeRan(OrchestrationWorkItem item, EpisodeCommit commit, OrchestrationExecutor? executor, DateTime start, DateTime end)
    {
        var instance = item.Instance;
        _episodeDuration.Record((end - start).TotalSeconds, new KeyValuePair<string, object?>("durabletask.task.name", instance.Name));
        var replayed = executor?.TakeRebuiltByReplay() ?? false;
        List<StepSpan>? steps = null;
        if (executor is { ScheduledSteps.Count: > 0 })
        {
            foreach (var e in commit.AppendHistory)
            {
                if (e.Type is not (EventType.TimerFired or EventType.SubOrchestrationCompleted or EventType.SubOrchestrationFailed)) continue;
                if (!executor.ScheduledSteps.Remove(e.TaskId, out var scheduled)) continue;
                (steps ??= []).Add(new StepSpan(scheduled, e));
            }
        }
        if (!Tracing) return;
        _pending.AddOrUpdate(commit, new EpisodeTrace(start, end, replayed, item.Messages.Count, executor?.Version, executor?.StartedAt, steps));
    }

    /// <summary>Counts the committed episodes and emits their spans.</summary>
    public void Committed(IReadOnlyList<(EpisodeCommit Commit, OrchestrationExecutor? Executor)> episodes)
    {
        _workItems.Add(episodes.Count, new KeyValuePair<string, object?>("kind", "orchestration"));
        foreach (var (commit, _) in episodes)
        {
            var finished = commit.IsTerminal || commit.NewExecutionId is not null;
            if (finished && commit.Status == InstanceStatus.Failed)
            {
                _failures.Add(1, new("kind", "orchestration"), new("durabletask.task.name", commit.Instance.Name));
            }
            if (_pending.TryGetValue(commit, out var trace))
            {
                _pending.Remove(commit);
                Emit(commit, trace, finished);
            }
        }
    }

    private static void Emit(EpisodeCommit commit, EpisodeTrace trace, bool finished)
    {
        var instance = commit.Instance;
        var root = TraceIdentity.Root(instance.Id, instance.ExecutionId);
        using (var episode = Source.StartActivity($"episode:{instance.Name}", ActivityKind.Internal, root, Tags(instance, trace.Version), startTime: Utc(trace.Start)))
        {
            if (episode is not null)
            {
                episode.SetTag("durabletask.type", "episode");
                episode.SetTag("durabletask.episode.replayed", trace.Replayed);
                episode.SetTag("durabletask.episode.messages", trace.Messages);
                episode.SetTag("durabletask.outcome", Outcome(commit));
                episode.SetEndTime(Utc(trace.End));
            }
        }

        foreach (var step in trace.Steps ?? [])
        {
            var scheduled = step.Scheduled;
            var completed = step.Completed;
            var isTimer = scheduled.Type == EventType.TimerCreated;
            var name = isTimer ? "timer" : $"orchestration:{scheduled.Name}";
            var kind = isTimer ? ActivityKind.Internal : ActivityKind.Client;
            using var span = Source.StartActivity(name, kind, root, Tags(instance, trace.Version), startTime: Utc(scheduled.Timestamp));
            if (span is null) continue;
            span.SetTag("durabletask.task.task_id", scheduled.TaskId);
            if (isTimer)
            {
                span.SetTag("durabletask.type", "timer");
                span.SetTag("durabletask.fire_at", (completed.FireAt ?? completed.Timestamp).ToString("o"));
                span.SetTag("durabletask.outcome", "fired");
            }
            else
            {
                // A fixed id, so the child's root span can link back to this call.
                TraceIdentity.FixSpanId(span, TraceIdentity.StepSpanId(instance.Id, instance.ExecutionId, scheduled.TaskId));
                span.SetTag("durabletask.type", "sub_orchestration");
                span.SetTag("durabletask.sub_orchestration.name", scheduled.Name);
                span.SetTag("durabletask.sub_orchestration.instance_id", scheduled.InstanceId);
                var failed = completed.Type == EventType.SubOrchestrationFailed;
                span.SetTag("durabletask.outcome", failed ? "failed" : "completed");
                if (failed) span.SetStatus(ActivityStatusCode.Error, completed.Failure?.ErrorMessage);
            }
            span.SetEndTime(Utc(isTimer ? completed.FireAt ?? completed.Timestamp : completed.Timestamp));
        }

        if (finished) EmitRoot(commit, trace);
    }

    private static void EmitRoot(EpisodeCommit commit, EpisodeTrace trace)
    {
        var instance = commit.Instance;
        var links = instance.Parent is { } parent
            ? new[] { new ActivityLink(TraceIdentity.Step(parent.InstanceId, parent.ExecutionId, parent.TaskId)) }
            : null;
        var start = trace.ExecutionStartedAt ?? instance.CreatedAt;
        using var span = Source.StartActivity($"orchestration:{instance.Name}", ActivityKind.Server, TraceIdentity.Root(instance.Id, instance.ExecutionId),
            Tags(instance, trace.Version), links, startTime: Utc(start));
        if (span is null) return;
        TraceIdentity.MakeRoot(span, TraceIdentity.RootSpanId(instance.Id, instance.ExecutionId));
        span.SetTag("durabletask.type", "orchestration");
        if (instance.Parent is { } p)
        {
            span.SetTag("durabletask.parent.instance_id", p.InstanceId);
            span.SetTag("durabletask.parent.name", p.Name);
        }
        var outcome = Outcome(commit);
        span.SetTag("durabletask.outcome", outcome);
        if (commit.Status == InstanceStatus.Failed) span.SetStatus(ActivityStatusCode.Error, commit.Failure?.ErrorMessage);
        span.SetEndTime(Utc(trace.End));
    }

    // ---- Activities ----

    /// <summary>Starts an activity execution's span, current while the activity runs so its own spans nest under it.</summary>
    public static Activity? StartActivity(ActivityWorkItem item, DateTime start)
    {
        if (!Tracing) return null;
        var span = Source.StartActivity(ActivitySpanName(item.Name), ActivityKind.Server, TraceIdentity.Root(item.InstanceId, item.ExecutionId),
            startTime: Utc(start));
        if (span is null) return null;
        if (span.IsAllDataRequested)
        {
            // Four tags: this span is the engine's most frequent (the type is in its name, the execution in its trace).
            span.SetTag("durabletask.task.instance_id", item.InstanceId);
            span.SetTag("durabletask.task.name", item.Name);
            span.SetTag("durabletask.task.task_id", item.TaskId);
            span.SetTag("durabletask.attempt", item.Attempt);
        }
        return span;
    }

    public void ActivityFinished(Activity? span, ActivityWorkItem item, StoredFailure? failure, DateTime start, DateTime end)
    {
        var outcome = failure is null ? "completed" : "failed";
        _workItems.Add(1, new KeyValuePair<string, object?>("kind", "activity"));
        _activityDuration.Record((end - start).TotalSeconds, new("durabletask.task.name", item.Name), new("durabletask.outcome", outcome));
        if (failure is not null) _failures.Add(1, new("kind", "activity"), new("durabletask.task.name", item.Name));
        if (span is null) return;
        span.SetTag("durabletask.outcome", outcome);
        if (failure is not null) span.SetStatus(ActivityStatusCode.Error, $"{failure.ErrorType}: {failure.ErrorMessage}");
        span.SetEndTime(Utc(end));
        span.Dispose();
    }

    // ---- Helpers ----

    private static readonly ConcurrentDictionary<string, string> ActivitySpanNames = new(StringComparer.Ordinal);

    private static string ActivitySpanName(string name) => ActivitySpanNames.GetOrAdd(name, static n => $"activity:{n}");

    private static DateTime Utc(DateTime time) => time.Kind == DateTimeKind.Utc ? time : DateTime.SpecifyKind(time, DateTimeKind.Utc);

    private static KeyValuePair<string, object?>[] Tags(InstanceRow instance, string? version) =>
    [
        new("durabletask.task.instance_id", instance.Id),
        new("durabletask.task.execution_id", instance.ExecutionId),
        new("durabletask.task.name", instance.Name),
        new("durabletask.task.version", version ?? ""),
    ];

    private static string Outcome(EpisodeCommit commit) => commit.NewExecutionId is not null ? "continued_as_new" : commit.Status switch
    {
        InstanceStatus.Completed => "completed",
        InstanceStatus.Failed => "failed",
        InstanceStatus.Terminated => "terminated",
        InstanceStatus.Suspended => "suspended",
        _ => "running",
    };

    private static IEnumerable<Measurement<double>> Queue(SqliteEngineStore store, Func<DateTime> utcNow, bool age)
    {
        QueueSnapshot snapshot;
        var now = utcNow();
        try
        {
            snapshot = store.GetQueueSnapshot(now);
        }
        catch (EngineStorageException)
        {
            // A locked database skips one reading; the next collection tries again.
            yield break;
        }
        KeyValuePair<string, object?> Kind(string kind) => new("kind", kind);
        if (age)
        {
            yield return new Measurement<double>(snapshot.OldestMessageDueAt is { } m ? Math.Max(0, (now - m).TotalSeconds) : 0, Kind("orchestration"));
            yield return new Measurement<double>(snapshot.OldestActivityScheduledAt is { } a ? Math.Max(0, (now - a).TotalSeconds) : 0, Kind("activity"));
        }
        else
        {
            yield return new Measurement<double>(snapshot.ReadyMessages, Kind("orchestration"));
            yield return new Measurement<double>(snapshot.WaitingActivities, Kind("activity"));
        }
    }

    private sealed record EpisodeTrace(DateTime Start, DateTime End, bool Replayed, int Messages, string? Version, DateTime? ExecutionStartedAt,
        List<StepSpan>? Steps);

    private sealed record StepSpan(DurableEvent Scheduled, DurableEvent Completed);
}
