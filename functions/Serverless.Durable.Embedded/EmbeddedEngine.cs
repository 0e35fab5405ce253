using System.Collections.Concurrent;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Durable.Embedded.Dispatch;
using Serverless.Durable.Embedded.Execution;
using Serverless.Durable.Embedded.History;
using Serverless.Durable.Embedded.Persistence;
using Serverless.Durable.Embedded.Telemetry;

namespace Serverless.Durable.Embedded;

/// <summary>
/// The embedded durable engine: runs registered orchestrators and activities on one machine with their
/// state in SQLite. Orchestrations are replayed from event-sourced history; each episode's history,
/// outbound work and status are committed in one transaction; activities are leased (at least once);
/// timers and buffered events live in the database and survive restarts.
/// </summary>
public sealed partial class EmbeddedEngine : IAsyncDisposable
{
    private readonly RegistryTaskFactory _factory;
    private readonly EmbeddedEngineOptions _options;
    private readonly IServiceProvider _services;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly SqliteEngineStore _store;
    private readonly ExecutorCache _executors;
    private readonly AsyncSignal _orchestrationSignal = new();
    private readonly AsyncSignal _activitySignal = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _completionWaiters = new(StringComparer.Ordinal);
    private CancellationTokenSource? _stopping;
    private Task[] _loops = [];
    private long _episodes;
    private long _activitiesExecuted;

    public EmbeddedEngine(DurableTaskRegistry registry, EmbeddedEngineOptions? options = null,
        IServiceProvider? services = null, ILoggerFactory? loggerFactory = null)
    {
        _factory = new RegistryTaskFactory(registry);
        _options = options ?? new EmbeddedEngineOptions();
        _services = services ?? EmptyServiceProvider.Instance;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<EmbeddedEngine>();
        _store = new SqliteEngineStore(_options);
        _executors = new ExecutorCache(_options.ExecutorCacheSize);
        _telemetry = new EngineTelemetry(_store, () => UtcNow);
        WorkerId = _options.ResolveWorkerId();
        Client = new EmbeddedDurableTaskClient("", this);
    }

    /// <summary>The client for this engine's database. It works whether or not the engine is running.</summary>
    public EmbeddedDurableTaskClient Client { get; }

    public string WorkerId { get; }

    /// <summary>The engine database, for messages: its path, or "in-memory database".</summary>
    public string DatabaseDescription => _store.DatabaseDescription;

    public bool IsRunning => _stopping is { IsCancellationRequested: false };

    /// <summary>Orchestration episodes run since start (each applies a batch of events to one instance).</summary>
    public long EpisodeCount => Interlocked.Read(ref _episodes);

    /// <summary>Activity executions started since start, including ones whose results were not committed.</summary>
    public long ActivityExecutionCount => Interlocked.Read(ref _activitiesExecuted);

    internal RegistryTaskFactory Factory => _factory;

    internal IServiceProvider Services => _services;

    internal EmbeddedEngineOptions Options => _options;

    internal SqliteEngineStore Store => _store;

    internal DateTime UtcNow => _options.TimeProvider.GetUtcNow().UtcDateTime;

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_stopping is not null) throw new InvalidOperationException("The engine has already been started.");
        await _store.ReleaseOwnerAsync(WorkerId, cancellationToken).ConfigureAwait(false);
        _stopping = new CancellationTokenSource();
        var token = _stopping.Token;
        _loops =
        [
            Task.Run(() => RunOrchestrationLoopAsync(token), CancellationToken.None),
            Task.Run(() => RunActivityLoopAsync(token), CancellationToken.None),
            Task.Run(() => RunCompletionWriterAsync(), CancellationToken.None),
            Task.Run(() => RunLeaseRenewalAsync(token), CancellationToken.None),
        ];
        _logger.LogInformation("Durable engine {WorkerId} started on {Database}", WorkerId, _store.DatabaseDescription);
    }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_stopping is null || _stopping.IsCancellationRequested) return;
        _stopping.Cancel();
        await StopActivitiesAsync(cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(_loops).WaitAsync(cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Durable engine {WorkerId} stopped", WorkerId);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _store.Dispose();
        _telemetry.Dispose();
        _stopping?.Dispose();
    }

    /// <summary>
    /// What is still to happen in this engine's database: messages ready now, activities queued or running,
    /// and when the next timer (or delayed start) is due. Tools use it to tell "busy" from "waiting".
    /// </summary>
    public PendingWork GetPendingWork()
    {
        var (ready, activities, next) = _store.GetPendingWork(UtcNow);
        return new PendingWork(ready, activities, next);
    }

    /// <summary>Wakes the dispatchers: something was written that they may act on.</summary>
    internal void NotifyWork()
    {
        _orchestrationSignal.Set();
        _activitySignal.Set();
    }

    /// <summary>A task that completes when this process commits a terminal state for the instance.</summary>
    internal Task WhenInstanceFinishes(string instanceId) =>
        _completionWaiters.GetOrAdd(instanceId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    private async Task RunOrchestrationLoopAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            List<OrchestrationWorkItem> items;
            try
            {
                items = await _store.ClaimOrchestrationsAsync(WorkerId, UtcNow, _options.InstanceLockDuration,
                    _options.MaxInstancesPerBatch, _options.MaxMessagesPerEpisode, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Claiming orchestration work failed; retrying");
                await IdleAsync(_orchestrationSignal, TimeSpan.FromSeconds(1), stopping).ConfigureAwait(false);
                continue;
            }

            if (items.Count == 0)
            {
                await IdleAsync(_orchestrationSignal, NextWait(), stopping).ConfigureAwait(false);
                continue;
            }

            var now = UtcNow;
            var episodes = new (EpisodeCommit Commit, OrchestrationExecutor? Executor)[items.Count];
            Parallel.For(0, items.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                i => episodes[i] = RunObservedEpisode(items[i], now));
            Interlocked.Add(ref _episodes, items.Count);

            CommitOutcome[] outcomes;
            try
            {
                // Committing does not observe shutdown. Each episode is written only while this worker still
                // holds its instance's lock; one that cannot be written fails its own instance, not the batch.
                outcomes = await _store.CommitEpisodesAsync(WorkerId, episodes.Select(e => e.Commit).ToList(), now, CancellationToken.None)
                    .ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Committing {Count} orchestration episodes failed; they will be retried", items.Count);
                foreach (var item in items) _executors.Remove(item.Instance.Id);
                await TryReleaseLocksAsync(items).ConfigureAwait(false);
                continue;
            }

            var written = new List<(EpisodeCommit Commit, OrchestrationExecutor? Executor)>(episodes.Length);
            for (var i = 0; i < episodes.Length; i++)
            {
                switch (outcomes[i])
                {
                    case CommitOutcome.Committed:
                        written.Add(episodes[i]);
                        break;
                    case CommitOutcome.Failed:
                        _logger.LogError("Orchestration {InstanceId} failed: {Failure}", items[i].Instance.Id, episodes[i].Commit.Failure);
                        written.Add((episodes[i].Commit, null));
                        break;
                    default:
                        if (!episodes[i].Commit.Skip)
                        {
                            _logger.LogWarning("The episode of orchestration {InstanceId} was not written: its lock was lost or it changed since the claim",
                                items[i].Instance.Id);
                        }
                        _executors.Remove(items[i].Instance.Id);
                        break;
                }
            }
            _telemetry.Committed(written);
            AfterCommit(written);
        }
    }

    private void AfterCommit(List<(EpisodeCommit Commit, OrchestrationExecutor? Executor)> episodes)
    {
        var activitiesScheduled = false;
        var messagesSent = false;
        foreach (var (commit, executor) in episodes)
        {
            var finished = commit.IsTerminal || commit.NewExecutionId is not null;
            if (executor is not null && !finished)
            {
                executor.HistoryCount = commit.Instance.HistoryCount + commit.AppendHistory.Count;
                _executors.Put(executor);
            }
            else
            {
                _executors.Remove(commit.Instance.Id);
            }

            foreach (var action in commit.Actions)
            {
                if (action.Type == EventType.TaskScheduled) activitiesScheduled = true;
                else messagesSent = true;
            }
            if (commit.IsTerminal && commit.Instance.Status.IsTerminal()) continue; // late messages of a finished instance
            if (commit.NewExecutionId is not null || (commit.IsTerminal && commit.Instance.Parent is not null)) messagesSent = true;

            if (commit.IsTerminal && _completionWaiters.TryRemove(commit.Instance.Id, out var waiter)) waiter.TrySetResult();
        }
        if (activitiesScheduled) _activitySignal.Set();
        if (messagesSent) _orchestrationSignal.Set();
    }

    /// <summary>
    /// Runs one episode: picks the messages the instance can act on and applies them to its executor. Whatever
    /// goes wrong fails this instance only, with the reason, and never the other episodes of its batch.
    /// </summary>
    private (EpisodeCommit, OrchestrationExecutor?) RunEpisode(OrchestrationWorkItem item, DateTime now)
    {
        var instance = item.Instance;
        var commit = new EpisodeCommit
        {
            Instance = instance,
            Status = instance.Status,
            Output = instance.Output,
            Failure = instance.Failure,
            CustomStatus = instance.CustomStatus,
        };

        if (instance.Status.IsTerminal())
        {
            // Late completions and events for a finished instance are discarded.
            commit.ConsumedMessageIds.AddRange(item.Messages.Select(m => m.Id));
            return (commit, null);
        }

        if (item.Poison is { } poison)
        {
            _logger.LogError("Orchestration {InstanceId} failed: {Reason}", instance.Id, poison);
            commit.ConsumedMessageIds.AddRange(item.Messages.Select(m => m.Id));
            Fail(commit, new StoredFailure(typeof(EngineStorageException).FullName!, poison), now);
            return (commit, null);
        }

        try
        {
            return ApplyMessages(item, commit, now);
        }
        catch (EngineStorageException ex) when (ex.InnerException is Microsoft.Data.Sqlite.SqliteException)
        {
            // The database could not be read (locked by another process, say): not the instance's fault.
            // Nothing is written; the lock is released and the instance runs again later.
            _logger.LogWarning(ex, "Orchestration {InstanceId} could not be loaded; it will be retried", instance.Id);
            _executors.Remove(instance.Id);
            commit.Skip = true;
            return (commit, null);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Orchestration {InstanceId} failed inside the engine", instance.Id);
            _executors.Remove(instance.Id);
            commit.ConsumedMessageIds.Clear();
            commit.ConsumedMessageIds.AddRange(item.Messages.Select(m => m.Id));
            Fail(commit, StoredFailure.FromException(ex), now);
            return (commit, null);
        }
    }

    private (EpisodeCommit, OrchestrationExecutor?) ApplyMessages(OrchestrationWorkItem item, EpisodeCommit commit, DateTime now)
    {
        var instance = item.Instance;

        if (item.Messages.FirstOrDefault(m => m.Kind == MessageKind.Terminate) is { } terminate)
        {
            commit.ConsumedMessageIds.AddRange(item.Messages.Select(m => m.Id));
            commit.Status = InstanceStatus.Terminated;
            commit.Output = terminate.Event.Data;
            commit.AppendHistory.Add(new DurableEvent { Type = EventType.ExecutionTerminated, Timestamp = now, Data = terminate.Event.Data });
            return (commit, null);
        }

        var suspended = instance.Status == InstanceStatus.Suspended;
        var toApply = new List<DurableEvent>(item.Messages.Count);
        foreach (var message in item.Messages.OrderBy(m => m.Kind == MessageKind.ExecutionStarted ? 0 : 1).ThenBy(m => m.Id))
        {
            switch (message.Kind)
            {
                case MessageKind.Suspend:
                    commit.ConsumedMessageIds.Add(message.Id);
                    if (!suspended) toApply.Add(new DurableEvent { Type = EventType.ExecutionSuspended, Timestamp = now, Data = message.Event.Data });
                    suspended = true;
                    break;
                case MessageKind.Resume:
                    commit.ConsumedMessageIds.Add(message.Id);
                    if (suspended) toApply.Add(new DurableEvent { Type = EventType.ExecutionResumed, Timestamp = now, Data = message.Event.Data });
                    suspended = false;
                    break;
                case MessageKind.ExecutionStarted:
                    commit.ConsumedMessageIds.Add(message.Id);
                    if (instance.HistoryCount == 0 && message.Event.ExecutionId == instance.ExecutionId) toApply.Add(message.Event);
                    break;
                case MessageKind.Completion or MessageKind.TimerFired:
                    if (suspended) break;
                    commit.ConsumedMessageIds.Add(message.Id);
                    if (message.Event.ExecutionId == instance.ExecutionId) toApply.Add(message.Event);
                    break;
                default:
                    if (suspended) break;
                    commit.ConsumedMessageIds.Add(message.Id);
                    toApply.Add(message.Event);
                    break;
            }
        }

        OrchestrationExecutor executor;
        try
        {
            executor = GetExecutor(instance);
        }
        catch (Exception ex) when (ex is NonDeterministicOrchestrationException or UnknownTaskException)
        {
            _logger.LogError("Orchestration {InstanceId} failed: {Message}", instance.Id, ex.Message);
            Fail(commit, StoredFailure.FromException(ex), now);
            return (commit, null);
        }

        EpisodeResult result;
        try
        {
            result = executor.Apply(toApply, now);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Orchestration {InstanceId} failed inside the engine", instance.Id);
            Fail(commit, StoredFailure.FromException(ex), now);
            return (commit, null);
        }

        commit.AppendHistory.AddRange(result.NewHistory);
        commit.Actions.AddRange(result.Actions);
        commit.CustomStatus = result.CustomStatus;
        switch (result.Outcome)
        {
            case EpisodeOutcome.Running:
                commit.Status = suspended ? InstanceStatus.Suspended : InstanceStatus.Running;
                break;
            case EpisodeOutcome.Completed:
                commit.Status = InstanceStatus.Completed;
                commit.Output = result.Output;
                break;
            case EpisodeOutcome.Failed:
                commit.Status = InstanceStatus.Failed;
                commit.Failure = result.Failure;
                _logger.LogWarning("Orchestration {InstanceId} ({Name}) failed: {Failure}", instance.Id, instance.Name, result.Failure);
                break;
            case EpisodeOutcome.ContinuedAsNew:
                commit.Status = InstanceStatus.Running;
                commit.NewExecutionId = Guid.NewGuid().ToString("N");
                commit.NewInput = result.NewInput;
                commit.NewVersion = result.NewVersion;
                commit.Output = null;
                commit.CarriedOverEvents.AddRange(result.CarriedOverEvents);
                break;
        }
        return (commit, executor);
    }

    private static void Fail(EpisodeCommit commit, StoredFailure failure, DateTime now)
    {
        commit.Status = InstanceStatus.Failed;
        commit.Failure = failure;
        commit.AppendHistory.Clear();
        commit.Actions.Clear();
        commit.AppendHistory.Add(new DurableEvent { Type = EventType.ExecutionFailed, Timestamp = now, Failure = failure });
    }

    /// <summary>The instance's executor: from memory when its state matches storage, else rebuilt by replay.</summary>
    private OrchestrationExecutor GetExecutor(InstanceRow instance)
    {
        var cached = _executors.Take(instance.Id);
        if (cached is not null && cached.ExecutionId == instance.ExecutionId && cached.HistoryCount == instance.HistoryCount)
        {
            return cached;
        }

        var executor = new OrchestrationExecutor(instance.Id, instance.Name, _factory.CreateOrchestrator(instance.Name, _services),
            _options.DataConverter, _loggerFactory, _options.DefaultVersion ?? "");
        if (instance.HistoryCount > 0) executor.Replay(_store.LoadHistoryForReplay(instance.Id));
        return executor;
    }

    private async Task TryReleaseLocksAsync(IEnumerable<OrchestrationWorkItem> items)
    {
        try
        {
            await _store.ReleaseLocksAsync(WorkerId, items.Select(i => i.Instance.Id).ToList(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Releasing instance locks failed; they expire on their own");
        }
    }

    private TimeSpan NextWait()
    {
        try
        {
            var now = UtcNow;
            var next = _store.GetNextDueTime(now);
            var wait = next is { } due ? due - now : _options.PollInterval;
            return wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1)
                : wait > _options.PollInterval ? _options.PollInterval : wait;
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Reading the next due time failed");
            return _options.PollInterval;
        }
    }

    private static Task IdleAsync(AsyncSignal signal, TimeSpan wait, CancellationToken stopping) => signal.WaitAsync(wait, stopping);

    private sealed class EmptyServiceProvider : IServiceProvider
    {
        public static readonly EmptyServiceProvider Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}
