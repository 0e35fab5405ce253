using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Serverless.Durable.Embedded.Dispatch;
using Serverless.Durable.Embedded.Execution;
using Serverless.Durable.Embedded.History;
using Serverless.Durable.Embedded.Persistence;
using Serverless.Durable.Embedded.Telemetry;

namespace Serverless.Durable.Embedded;

// Activity dispatch: lease work items in batches into a local queue, run them on a fixed number of
// workers, and commit results in batches. Leasing ahead decouples the size of each database round
// trip from the concurrency limit, so short activities do not cost a transaction each.
public sealed partial class EmbeddedEngine
{
    private readonly Channel<ActivityWorkItem> _ready = Channel.CreateUnbounded<ActivityWorkItem>(
        new UnboundedChannelOptions { SingleWriter = true });
    private readonly Channel<ActivityCompletion> _completions = Channel.CreateUnbounded<ActivityCompletion>(
        new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<long, ActivityWorkItem> _held = new();
    // Results produced but not yet committed: their leases are still renewed, or a slow commit would let
    // them expire and the work run again.
    private readonly ConcurrentDictionary<long, ActivityWorkItem> _resultsToCommit = new();
    private readonly CancellationTokenSource _activityAbort = new();
    private readonly AsyncSignal _capacityFreed = new();
    private Task[] _activityWorkers = [];

    private volatile bool _holdActivityResults;

    /// <summary>Test seam: while true, finished activities' results wait in memory instead of being committed.</summary>
    internal bool HoldActivityResults
    {
        get => _holdActivityResults;
        set => _holdActivityResults = value;
    }

    /// <summary>Results produced but not yet committed (or dropped).</summary>
    internal int ActivityResultsWaiting => _resultsToCommit.Count;

    private int HoldLimit => _options.MaxConcurrentActivities + _options.ActivityPrefetch;

    private async Task RunActivityLoopAsync(CancellationToken stopping)
    {
        _activityWorkers = Enumerable.Range(0, _options.MaxConcurrentActivities)
            .Select(_ => Task.Run(RunActivityWorkerAsync, CancellationToken.None))
            .ToArray();

        while (!stopping.IsCancellationRequested)
        {
            // Refill when at most half the local allowance is in use, so each lease is a sizeable batch.
            var room = HoldLimit - _held.Count;
            if (room < Math.Max(1, HoldLimit / 2))
            {
                await _capacityFreed.WaitAsync(_options.PollInterval, stopping).ConfigureAwait(false);
                continue;
            }

            List<ActivityWorkItem> items;
            try
            {
                items = await _store.LeaseActivitiesAsync(WorkerId, UtcNow, _options.ActivityLeaseDuration, room, stopping)
                    .ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Leasing activities failed; retrying");
                await IdleAsync(_activitySignal, TimeSpan.FromSeconds(1), stopping).ConfigureAwait(false);
                continue;
            }

            if (items.Count == 0)
            {
                await IdleAsync(_activitySignal, NextWait(), stopping).ConfigureAwait(false);
                continue;
            }

            foreach (var item in items)
            {
                _held[item.Id] = item;
                _ready.Writer.TryWrite(item);
            }
        }
        _ready.Writer.TryComplete();
    }

    private async Task RunActivityWorkerAsync()
    {
        await foreach (var item in _ready.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (_stopping!.IsCancellationRequested) continue; // queued but not started: released on stop
            try
            {
                await ExecuteActivityAsync(item).ConfigureAwait(false);
            }
            finally
            {
                _held.TryRemove(item.Id, out _);
                _capacityFreed.Set();
            }
        }
    }

    private async Task ExecuteActivityAsync(ActivityWorkItem item)
    {
        Interlocked.Increment(ref _activitiesExecuted);
        string? result = null;
        StoredFailure? failure = null;
        var started = UtcNow;
        using var span = EngineTelemetry.StartActivity(item, started);
        try
        {
            var activity = _factory.CreateActivity(item.Name, _services);
            object? input;
            try
            {
                input = _options.DataConverter.Deserialize(item.Input, activity.InputType);
            }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or NotSupportedException)
            {
                throw new InvalidPayloadException($"The input of activity '{item.Name}' is not a valid {activity.InputType.Name}: {ex.Message}", ex);
            }
            var context = new EmbeddedActivityContext(item.Name, item.InstanceId, _activityAbort.Token);
            var output = await activity.RunAsync(context, input).ConfigureAwait(false);
            result = _options.DataConverter.Serialize(output);
        }
        catch (OperationCanceledException) when (_activityAbort.IsCancellationRequested)
        {
            // The engine is stopping: the work item stays leased and is re-delivered after a restart.
            return;
        }
        catch (Exception ex)
        {
            failure = StoredFailure.FromException(ex);
            _logger.LogWarning("Activity {Name} (#{TaskId}) of {InstanceId} failed: {Message}", item.Name, item.TaskId, item.InstanceId, ex.Message);
        }
        var completedAt = UtcNow;
        _telemetry.ActivityFinished(span, item, failure, started, completedAt);
        _resultsToCommit[item.Id] = item;
        _completions.Writer.TryWrite(new ActivityCompletion(item, result, failure, completedAt));
    }

    /// <summary>Commits finished activities in batches: one transaction for everything that finished meanwhile.</summary>
    private async Task RunCompletionWriterAsync()
    {
        var reader = _completions.Reader;
        var batch = new List<ActivityCompletion>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < 5_000 && reader.TryRead(out var completion)) batch.Add(completion);
            while (_holdActivityResults && !_stopping!.IsCancellationRequested) await Task.Delay(10).ConfigureAwait(false);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await _store.CompleteActivitiesAsync(WorkerId, batch, UtcNow, CancellationToken.None).ConfigureAwait(false);
                    break;
                }
                catch (Exception ex) when (attempt < 10)
                {
                    // A transient failure (a database locked by another process) must not drop results: retry.
                    _logger.LogWarning(ex, "Committing {Count} activity results failed (attempt {Attempt}); retrying", batch.Count, attempt);
                    await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt)).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    _logger.LogError(ex, "Committing {Count} activity results failed; their leases expire and they run again", batch.Count);
                    break;
                }
            }
            foreach (var completion in batch) _resultsToCommit.TryRemove(completion.Item.Id, out _);
            batch.Clear();
            _orchestrationSignal.Set();
        }
    }

    /// <summary>Keeps the leases of held activities alive, so only a crashed worker's items are re-delivered.</summary>
    private async Task RunLeaseRenewalAsync(CancellationToken stopping)
    {
        var period = _options.ActivityLeaseDuration / 3;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(period, _options.TimeProvider, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var ids = _held.Keys.Union(_resultsToCommit.Keys).ToList();
            if (ids.Count == 0) continue;
            try
            {
                await _store.RenewLeasesAsync(WorkerId, ids, UtcNow + _options.ActivityLeaseDuration, stopping).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogWarning(ex, "Renewing activity leases failed");
            }
        }
    }

    /// <summary>
    /// On stop: running activities get a few seconds to finish and are then aborted; results already
    /// produced are committed; items leased but not started are handed back at once.
    /// </summary>
    private async Task StopActivitiesAsync(CancellationToken cancellationToken)
    {
        _ready.Writer.TryComplete();
        var workers = Task.WhenAll(_activityWorkers);
        if (await Task.WhenAny(workers, Task.Delay(TimeSpan.FromSeconds(5), cancellationToken)).ConfigureAwait(false) != workers)
        {
            _activityAbort.Cancel();
            await Task.WhenAny(workers, Task.Delay(TimeSpan.FromSeconds(5), cancellationToken)).ConfigureAwait(false);
        }
        _completions.Writer.TryComplete();

        var unstarted = _held.Keys.ToList();
        if (unstarted.Count > 0)
        {
            try
            {
                await _store.ReleaseLeasesAsync(WorkerId, unstarted, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Handing back {Count} unstarted activities failed; their leases expire", unstarted.Count);
            }
        }
    }
}
