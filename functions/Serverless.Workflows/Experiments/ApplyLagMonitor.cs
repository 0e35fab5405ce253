using System.Text.Json;
using Serverless.Storage.Blobs;

namespace Serverless.Workflows.Experiments;

/// <summary>
/// How far applying lags behind acknowledging, for backpressure: the age of the oldest batch part this process
/// acknowledged that no apply round has confirmed yet. Ingestion registers each part it acknowledges; an apply round
/// confirms the parts it committed. When the apply round ran in another process (Function App instances scale out), the
/// shard's status blob says which acknowledgements it covered: every part acknowledged before a round started listing its
/// pending parts was in that listing, so it is applied once the round committed. That is read only when the local view
/// already says "too late", at most once a second per shard.
/// </summary>
public sealed class ApplyLagMonitor(IBlobStore blobs, TimeProvider time)
{
    private static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(1);

    private readonly object _gate = new();
    private readonly Dictionary<(string Experiment, int Shard), Dictionary<string, DateTimeOffset>> _outstanding = [];
    private readonly Dictionary<(string Experiment, int Shard), DateTimeOffset> _refreshedAt = [];

    /// <summary>A part was acknowledged: it is pending until an apply round confirms it.</summary>
    public void Acknowledged(string experimentId, int shard, string pendingPath, DateTimeOffset at)
    {
        lock (_gate)
        {
            if (!_outstanding.TryGetValue((experimentId, shard), out var parts)) _outstanding[(experimentId, shard)] = parts = new(StringComparer.Ordinal);
            parts.TryAdd(pendingPath, at);
        }
    }

    /// <summary>An apply round committed these parts; each one's time from acknowledgement to applied goes to the lag metric.</summary>
    public void Applied(string experimentId, int shard, IEnumerable<string> pendingPaths)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (!_outstanding.TryGetValue((experimentId, shard), out var parts)) return;
            foreach (var path in pendingPaths)
            {
                if (parts.Remove(path, out var acknowledged)) Telemetry.WorkflowMetrics.RecordExperimentsApplyLag(now - acknowledged, experimentId);
            }
        }
    }

    /// <summary>An apply round (maybe elsewhere) committed everything acknowledged before <paramref name="appliedThrough"/>.</summary>
    public void AppliedThrough(string experimentId, int shard, DateTimeOffset appliedThrough)
    {
        lock (_gate)
        {
            if (!_outstanding.TryGetValue((experimentId, shard), out var parts)) return;
            foreach (var path in parts.Where(p => p.Value < appliedThrough).Select(p => p.Key).ToList()) parts.Remove(path);
        }
    }

    /// <summary>The largest lag over all shards with parts outstanding here (zero when none), and the shard it is in.</summary>
    public (TimeSpan Lag, string? Experiment, int Shard) CurrentLag()
    {
        var now = time.GetUtcNow();
        var worst = (Lag: TimeSpan.Zero, Experiment: (string?)null, Shard: 0);
        lock (_gate)
        {
            foreach (var ((experiment, shard), parts) in _outstanding)
            {
                foreach (var at in parts.Values)
                {
                    if (now - at > worst.Lag) worst = (now - at, experiment, shard);
                }
            }
        }
        return worst;
    }

    /// <summary>
    /// The lag after confirming, from the shards' status blobs, whatever other processes applied; used before refusing a
    /// batch so a scaled-out deployment does not refuse on a stale local view.
    /// </summary>
    public async Task<TimeSpan> ConfirmedLagAsync(TimeSpan bound, CancellationToken cancellationToken)
    {
        var (lag, experiment, shard) = CurrentLag();
        for (var i = 0; i < 8 && lag > bound && experiment is not null; i++)
        {
            var now = time.GetUtcNow();
            lock (_gate)
            {
                if (_refreshedAt.TryGetValue((experiment, shard), out var at) && now - at < RefreshEvery) return lag;
                _refreshedAt[(experiment, shard)] = now;
            }
            var status = await ReadStatusAsync(blobs, experiment, shard, cancellationToken).ConfigureAwait(false);
            if (status is null) return lag;
            AppliedThrough(experiment, shard, status.AppliedThrough);
            (lag, experiment, shard) = CurrentLag();
        }
        return lag;
    }

    internal static async Task<ShardStatus?> ReadStatusAsync(IBlobStore blobs, string experimentId, int shard, CancellationToken cancellationToken)
    {
        try
        {
            var bytes = await blobs.ReadAllBytesAsync(ExperimentKeys.ShardStatusPath(experimentId, shard), cancellationToken).ConfigureAwait(false);
            return JsonSerializer.Deserialize(bytes, ExperimentDocumentsJsonContext.Default.ShardStatus);
        }
        catch (BlobNotFoundException)
        {
            return null;
        }
    }
}
