using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Serverless.Durable.Embedded.History;

namespace Serverless.Durable.Embedded.Execution;

/// <summary>
/// Runs one orchestration instance: rebuilds its state by replaying history, then applies new events
/// and collects the actions the orchestrator takes. An executor stays in memory between episodes, so
/// a fan-in of thousands of completions is applied incrementally instead of replaying each time.
/// </summary>
internal sealed class OrchestrationExecutor
{
    private readonly ITaskOrchestrator _orchestrator;
    private readonly OrchestrationSynchronizationContext _sync = new();
    private readonly Dictionary<int, Action<DurableEvent>> _openTasks = [];
    private readonly Dictionary<int, DurableEvent> _unconfirmedActions = [];
    private readonly List<DurableEvent> _producedActions = [];
    // Waiters per event name, newest first: as in Durable Task, an event goes to the most recent waiter, so a
    // waiter abandoned by Task.WhenAny in a loop does not swallow the next event.
    private readonly Dictionary<string, LinkedList<EventWaiter>> _waiters = new(StringComparer.OrdinalIgnoreCase);
    private readonly LinkedList<(string Name, string? Data)> _bufferedEvents = new();
    private Task<object?>? _run;
    private int _nextTaskId;
    private int _guidCounter;
    private (string? Input, bool PreserveEvents, string? Version)? _continueAsNew;

    public OrchestrationExecutor(string instanceId, string name, ITaskOrchestrator orchestrator,
        DataConverter converter, ILoggerFactory loggerFactory, string defaultVersion)
    {
        InstanceId = instanceId;
        Name = name;
        _orchestrator = orchestrator;
        Converter = converter;
        LoggerFactory = loggerFactory;
        DefaultVersion = defaultVersion;
        Context = new EmbeddedOrchestrationContext(this);
    }

    public string InstanceId { get; }

    public string Name { get; }

    public string ExecutionId { get; private set; } = "";

    public ParentOrchestrationInstance? Parent { get; private set; }

    /// <summary>The version this execution was started with; empty when unversioned.</summary>
    public string Version { get; private set; } = "";

    /// <summary>The version new sub-orchestrations start with when the call names none.</summary>
    public string DefaultVersion { get; }

    public DataConverter Converter { get; }

    public ILoggerFactory LoggerFactory { get; }

    public EmbeddedOrchestrationContext Context { get; }

    public bool IsReplaying { get; private set; }

    public DateTime CurrentUtcDateTime { get; private set; }

    public string? SerializedInput { get; private set; }

    public string? CustomStatus { get; private set; }

    /// <summary>How many history events this executor's state reflects; the engine checks it against storage.</summary>
    public long HistoryCount { get; set; }

    public bool IsFinished => _run is { IsCompleted: true };

    // ---- For tracing (Telemetry/EngineTelemetry) ----

    /// <summary>When this execution started (its ExecutionStarted event).</summary>
    public DateTime? StartedAt { get; private set; }

    /// <summary>Timers and sub-orchestrations scheduled and not yet seen completing, by task id: a span needs their start.</summary>
    public Dictionary<int, DurableEvent> ScheduledSteps { get; } = [];

    private bool _rebuiltByReplay;

    /// <summary>True once after this executor's state was rebuilt from history (not kept in memory since the last episode).</summary>
    public bool TakeRebuiltByReplay()
    {
        var rebuilt = _rebuiltByReplay;
        _rebuiltByReplay = false;
        return rebuilt;
    }

    /// <summary>Rebuilds state from the stored history. Throws <see cref="NonDeterministicOrchestrationException"/>.</summary>
    public void Replay(IReadOnlyList<DurableEvent> history)
    {
        IsReplaying = true;
        foreach (var historyEvent in history) Process(historyEvent);
        HistoryCount = history.Count;
        if (_unconfirmedActions.Count > 0)
        {
            var first = _unconfirmedActions.Values.MinBy(a => a.TaskId)!;
            throw new NonDeterministicOrchestrationException(
                $"Non-deterministic orchestrator '{Name}': step {first.TaskId} is now {Describe(first)}, " +
                "but the history has no such step. The orchestrator's code changed while this instance was running.");
        }
        _unconfirmedActions.Clear();
        IsReplaying = false;
        _rebuiltByReplay = true;
    }

    /// <summary>Applies new events (in order) at time <paramref name="now"/> and reports what the orchestrator did.</summary>
    public EpisodeResult Apply(IReadOnlyList<DurableEvent> newEvents, DateTime now)
    {
        IsReplaying = false;
        var result = new EpisodeResult();
        if (IsFinished)
        {
            // A finished orchestrator ignores late events; the engine discards them.
            result.Outcome = EpisodeOutcome.Completed;
            return result;
        }

        var started = new DurableEvent { Type = EventType.OrchestratorStarted, Timestamp = now };
        result.NewHistory.Add(started);
        Process(started);

        foreach (var newEvent in newEvents)
        {
            result.NewHistory.Add(newEvent);
            Process(newEvent);
            foreach (var action in _producedActions)
            {
                action.Timestamp = now;
                result.NewHistory.Add(action);
                result.Actions.Add(action);
            }
            _producedActions.Clear();
            // Events after the orchestrator returned are still taken in: continue-as-new carries them over.
        }

        result.CustomStatus = CustomStatus;
        Complete(result, now);
        return result;
    }

    private void Complete(EpisodeResult result, DateTime now)
    {
        if (_run is not { IsCompleted: true } run) return;

        if (run.IsCompletedSuccessfully && _continueAsNew is { } next)
        {
            result.Outcome = EpisodeOutcome.ContinuedAsNew;
            result.NewInput = next.Input;
            result.NewVersion = next.Version ?? Version;
            if (next.PreserveEvents) result.CarriedOverEvents.AddRange(_bufferedEvents);
            result.NewHistory.Add(new DurableEvent { Type = EventType.ContinuedAsNew, Timestamp = now, Data = next.Input });
        }
        else if (run.IsCompletedSuccessfully)
        {
            result.Outcome = EpisodeOutcome.Completed;
            result.Output = Converter.Serialize(run.Result);
            result.NewHistory.Add(new DurableEvent { Type = EventType.ExecutionCompleted, Timestamp = now, Data = result.Output });
        }
        else
        {
            var exception = run.Exception?.InnerException ?? (Exception)new TaskCanceledException("The orchestrator was canceled.");
            result.Outcome = EpisodeOutcome.Failed;
            result.Failure = StoredFailure.FromOrchestratorException(exception);
            result.NewHistory.Add(new DurableEvent { Type = EventType.ExecutionFailed, Timestamp = now, Failure = result.Failure });
        }
    }

    private void Process(DurableEvent e)
    {
        // Steps completed in history need no span: only the engine's newly committed completions get one.
        if (IsReplaying && e.Type is EventType.TimerFired or EventType.SubOrchestrationCompleted or EventType.SubOrchestrationFailed) ScheduledSteps.Remove(e.TaskId);
        switch (e.Type)
        {
            case EventType.ExecutionStarted:
                Start(e);
                break;
            case EventType.OrchestratorStarted:
                CurrentUtcDateTime = e.Timestamp;
                break;
            case EventType.TaskScheduled or EventType.TimerCreated or EventType.SubOrchestrationCreated or EventType.EventSent:
                Confirm(e);
                break;
            case EventType.TaskCompleted or EventType.TaskFailed or EventType.TimerFired
                or EventType.SubOrchestrationCompleted or EventType.SubOrchestrationFailed:
                if (_openTasks.Remove(e.TaskId, out var complete)) _sync.Run(() => complete(e));
                break;
            case EventType.EventRaised:
                DeliverEvent(e.Name ?? "", e.Data);
                break;
            default:
                // Suspension, resumption and end markers change the instance's status, not the orchestrator's state.
                break;
        }
    }

    private void Start(DurableEvent e)
    {
        ExecutionId = e.ExecutionId ?? "";
        StartedAt = e.Timestamp;
        SerializedInput = e.Data;
        Version = e.Version ?? "";
        Parent = e.ParentInstanceId is null ? null : new ParentOrchestrationInstance(e.ParentName ?? "", e.ParentInstanceId);

        object? input;
        try
        {
            input = Converter.Deserialize(e.Data, _orchestrator.InputType);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or NotSupportedException or InvalidOperationException)
        {
            _run = Task.FromException<object?>(new InvalidPayloadException(
                $"The input of orchestrator '{Name}' is not a valid {_orchestrator.InputType.Name}: {ex.Message}", ex));
            return;
        }

        _sync.Run(() =>
        {
            try
            {
                _run = _orchestrator.RunAsync(Context, input);
            }
            catch (Exception ex)
            {
                _run = Task.FromException<object?>(ex);
            }
        });
    }

    private void Confirm(DurableEvent historical)
    {
        if (!_unconfirmedActions.Remove(historical.TaskId, out var action))
        {
            throw new NonDeterministicOrchestrationException(
                $"Non-deterministic orchestrator '{Name}': history step {historical.TaskId} is {Describe(historical)}, " +
                "but the orchestrator's code did not schedule it on replay. The code changed while this instance was running.");
        }
        if (action.Type != historical.Type || !string.Equals(action.Name, historical.Name, StringComparison.OrdinalIgnoreCase))
        {
            throw new NonDeterministicOrchestrationException(
                $"Non-deterministic orchestrator '{Name}': history step {historical.TaskId} is {Describe(historical)}, " +
                $"but the orchestrator's code now asks for {Describe(action)}. The code changed while this instance was running.");
        }
    }

    private static string Describe(DurableEvent e) => e.Type switch
    {
        EventType.TaskScheduled => $"a call to activity '{e.Name}'",
        EventType.TimerCreated => "a durable timer",
        EventType.SubOrchestrationCreated => $"a call to sub-orchestrator '{e.Name}'",
        EventType.EventSent => $"sending event '{e.Name}' to '{e.InstanceId}'",
        _ => e.Type.ToString(),
    };

    // ---- Called by the context, always on the orchestrator's thread. ----

    /// <summary>Registers a scheduling action and the callback that completes it; returns its task id.</summary>
    internal int Schedule(DurableEvent action, Action<DurableEvent>? onCompleted)
    {
        var id = _nextTaskId++;
        action.TaskId = id;
        action.Timestamp = CurrentUtcDateTime;
        if (onCompleted is not null) _openTasks[id] = onCompleted;
        if (action.Type is EventType.TimerCreated or EventType.SubOrchestrationCreated) ScheduledSteps[id] = action;
        if (IsReplaying) _unconfirmedActions[id] = action;
        else _producedActions.Add(action);
        return id;
    }

    internal Task<string?> WaitForEvent(string name, CancellationToken cancellationToken)
    {
        for (var node = _bufferedEvents.First; node is not null; node = node.Next)
        {
            if (string.Equals(node.Value.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                _bufferedEvents.Remove(node);
                return Task.FromResult(node.Value.Data);
            }
        }

        var waiter = new EventWaiter();
        if (!_waiters.TryGetValue(name, out var list)) _waiters[name] = list = new LinkedList<EventWaiter>();
        var listNode = list.AddFirst(waiter);
        if (cancellationToken.CanBeCanceled)
        {
            cancellationToken.Register(() =>
            {
                if (listNode.List is not null) list.Remove(listNode);
                waiter.Completion.TrySetCanceled(cancellationToken);
            });
        }
        return waiter.Completion.Task;
    }

    private void DeliverEvent(string name, string? data)
    {
        if (_waiters.TryGetValue(name, out var list) && list.First is { } first)
        {
            list.RemoveFirst();
            _sync.Run(() => first.Value.Completion.TrySetResult(data));
        }
        else
        {
            _bufferedEvents.AddLast((name, data));
        }
    }

    internal void SetCustomStatus(object? status) => CustomStatus = Converter.Serialize(status);

    internal void ContinueAsNew(object? newInput, bool preserveUnprocessedEvents, string? newVersion) =>
        _continueAsNew = (Converter.Serialize(newInput), preserveUnprocessedEvents, newVersion);

    internal Guid NewGuid()
    {
        // A name-based (version 5 style) GUID from values that are identical on every replay.
        var name = $"{InstanceId}/{ExecutionId}/{CurrentUtcDateTime.Ticks}/{_guidCounter++}";
        var hash = System.Security.Cryptography.SHA1.HashData(System.Text.Encoding.UTF8.GetBytes(name));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    private sealed class EventWaiter
    {
        public TaskCompletionSource<string?> Completion { get; } = new();
    }
}
