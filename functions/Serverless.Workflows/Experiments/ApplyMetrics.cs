namespace Serverless.Workflows.Experiments;

/// <summary>
/// What this process's apply rounds did since it started: per shard the rounds, batch parts, events applied, skipped and
/// refused, and the lag from acknowledgement to applied (committed) of every part. Served by <c>GET /api/events/status</c>.
/// </summary>
public sealed class ApplyMetrics
{
    /// <summary>Lag samples kept per shard (the most recent); percentiles are over these.</summary>
    private const int MaxSamples = 200_000;

    private readonly object _gate = new();
    private readonly SortedDictionary<string, ShardCounters> _shards = new(StringComparer.Ordinal);

    public void RecordRound(string experimentId, int shard, int parts, long applied, long skipped, long refused, IEnumerable<(TimeSpan Lag, int Events)> lags, TimeSpan duration)
    {
        lock (_gate)
        {
            var key = $"{experimentId}/{shard}";
            if (!_shards.TryGetValue(key, out var c)) _shards[key] = c = new ShardCounters(experimentId, shard);
            c.Rounds++;
            c.Parts += parts;
            c.EventsApplied += applied;
            c.EventsSkipped += skipped;
            c.EventsRefused += refused;
            c.RoundTime += duration;
            foreach (var (lag, events) in lags)
            {
                var ms = lag.TotalMilliseconds;
                if (c.Samples.Count < MaxSamples) c.Samples.Add((ms, events));
                else c.Samples[Random.Shared.Next(MaxSamples)] = (ms, events);
                if (ms > c.MaxLagMs) c.MaxLagMs = ms;
            }
        }
    }

    /// <summary>Per shard and over all shards; lag percentiles are weighted by events (the lag of an event is its part's).</summary>
    public ApplyMetricsSnapshot Snapshot()
    {
        lock (_gate)
        {
            var shards = _shards.Values.Select(c => c.ToView()).ToList();
            var all = _shards.Values.SelectMany(c => c.Samples).ToList();
            return new ApplyMetricsSnapshot(
                shards.Sum(s => s.Rounds), shards.Sum(s => s.Parts), shards.Sum(s => s.EventsApplied), shards.Sum(s => s.EventsSkipped),
                shards.Sum(s => s.EventsRefused), Percentile(all, 0.50), Percentile(all, 0.99), _shards.Values.Select(c => c.MaxLagMs).DefaultIfEmpty(0).Max(), shards);
        }
    }

    private static double Percentile(List<(double Ms, int Events)> samples, double q)
    {
        if (samples.Count == 0) return 0;
        var sorted = samples.OrderBy(s => s.Ms).ToList();
        var total = sorted.Sum(s => (long)s.Events);
        var target = q * total;
        long cumulative = 0;
        foreach (var (ms, events) in sorted)
        {
            cumulative += events;
            if (cumulative >= target) return ms;
        }
        return sorted[^1].Ms;
    }

    private sealed class ShardCounters(string experimentId, int shard)
    {
        public readonly List<(double Ms, int Events)> Samples = [];
        public long Rounds, Parts, EventsApplied, EventsSkipped, EventsRefused;
        public double MaxLagMs;
        public TimeSpan RoundTime;

        public ShardApplyMetrics ToView() => new(experimentId, shard, Rounds, Parts, EventsApplied, EventsSkipped, EventsRefused,
            Percentile(Samples, 0.50), Percentile(Samples, 0.99), MaxLagMs, Rounds == 0 ? 0 : RoundTime.TotalMilliseconds / Rounds);
    }
}

public sealed record ShardApplyMetrics(
    string ExperimentId, int Shard, long Rounds, long Parts, long EventsApplied, long EventsSkipped, long EventsRefused,
    double LagP50Ms, double LagP99Ms, double LagMaxMs, double MeanRoundMs);

/// <summary>This process's apply rounds since it started (lags in milliseconds from acknowledgement to commit).</summary>
public sealed record ApplyMetricsSnapshot(
    long Rounds, long Parts, long EventsApplied, long EventsSkipped, long EventsRefused, double LagP50Ms, double LagP99Ms, double LagMaxMs,
    IReadOnlyList<ShardApplyMetrics> Shards);
