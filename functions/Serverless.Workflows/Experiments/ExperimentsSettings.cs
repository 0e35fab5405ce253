using System.Globalization;
using Microsoft.Extensions.Configuration;
using Serverless.Experiments.Aggregation;
using Serverless.Experiments.Statistics;

namespace Serverless.Workflows.Experiments;

/// <summary>
/// The experiments area's settings, from <c>Serverless:Experiments:*</c>. Each value that cannot be read is a clear
/// error naming its key.
/// </summary>
public sealed record ExperimentsSettings
{
    public const string Section = "Serverless:Experiments";

    /// <summary>A definitions file (<c>{"experiments": [...]}</c>); null means the built-in sample definitions.</summary>
    public string? DefinitionsPath { get; init; }

    /// <summary>Statistics and weights are recomputed at least this often while new events arrive.</summary>
    public TimeSpan RecomputeInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>...and whenever this many events were applied since the last recomputation (at high rates the interval rarely matters).</summary>
    public long RecomputeEveryEvents { get; init; } = 1_000_000;

    /// <summary>How many read-apply-write rounds one drain makes against a concurrent writer (a stale instance) before the activity fails (and is retried).</summary>
    public int MaxApplyAttempts { get; init; } = 8;

    /// <summary>Writers per experiment: users are split into this many shards by a stable hash, each with its own aggregator. Fixed once events arrived.</summary>
    public int ShardsPerExperiment { get; init; } = 1;

    /// <summary>Event time over which eventIds are remembered for dedupe.</summary>
    public TimeSpan DedupeWindow { get; init; } = DedupeOptions.Default.Window;

    /// <summary>Most eventIds one shard remembers after each apply round (16-byte slots, at most half full); beyond it the oldest are forgotten first.</summary>
    public long DedupeMaxEntries { get; init; } = DedupeOptions.Default.MaxEntries;

    /// <summary>Most batch identities one shard remembers (the cheap first check).</summary>
    public int LedgerMaxBatches { get; init; } = 100_000;

    /// <summary>Events stamped later than the receiving clock plus this are quarantined.</summary>
    public TimeSpan MaxFutureSkew { get; init; } = TimeSpan.FromHours(1);

    /// <summary>When the oldest acknowledged but unapplied batch is older than this, ingestion answers 429 with Retry-After.</summary>
    public TimeSpan MaxApplyLag { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Apply rounds and recomputations running at once in this process: aggregation's own budget, so other workflows keep the rest.</summary>
    public int ApplyConcurrency { get; init; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Batches submitted at once by ingestion in this process (parse and storage writes); more wait without holding a thread.</summary>
    public int IngestionConcurrency { get; init; } = Math.Max(4, 2 * Environment.ProcessorCount);

    /// <summary>Most events one apply round takes from a shard's pending list (bounds its memory and time).</summary>
    public int MaxEventsPerRound { get; init; } = 1_000_000;

    /// <summary>Rounds of one shard start at least this far apart: each rewrites the shard's state, so fewer, larger rounds cost less per event (and add up to this to the lag).</summary>
    public TimeSpan MinRoundInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>An idle aggregator looks at its pending list this often even without a wake-up (a lost wake-up costs at most this).</summary>
    public TimeSpan IdlePollInterval { get; init; } = TimeSpan.FromSeconds(30);

    public AggregateOptions AggregateOptions => new(new DedupeOptions(DedupeWindow, DedupeMaxEntries), LedgerMaxBatches);

    public StatisticsOptions Statistics { get; init; } = new();

    public static ExperimentsSettings FromConfiguration(IConfiguration configuration, WorkflowPaths paths)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(paths);
        var section = configuration.GetSection(Section);
        var defaults = new ExperimentsSettings();
        var path = section["DefinitionsPath"];
        return new ExperimentsSettings
        {
            DefinitionsPath = string.IsNullOrWhiteSpace(path) ? null : paths.Resolve(path),
            RecomputeInterval = Read(section, "RecomputeInterval", defaults.RecomputeInterval,
                text => TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var v) && v >= TimeSpan.Zero ? v : null, "a non-negative time span such as 00:01:00"),
            RecomputeEveryEvents = Read(section, "RecomputeEveryEvents", defaults.RecomputeEveryEvents,
                text => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 1 ? v : (long?)null, "a whole number of at least 1"),
            MaxApplyAttempts = Read(section, "MaxApplyAttempts", defaults.MaxApplyAttempts, PositiveInt, "a whole number of at least 1"),
            ShardsPerExperiment = Read(section, "ShardsPerExperiment", defaults.ShardsPerExperiment,
                text => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v is >= 1 and <= 256 ? v : (int?)null, "a whole number from 1 to 256"),
            DedupeWindow = Read(section, "DedupeWindow", defaults.DedupeWindow, PositiveSpan, "a positive time span such as 7.00:00:00"),
            DedupeMaxEntries = Read(section, "DedupeMaxEntries", defaults.DedupeMaxEntries,
                text => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 1024 ? v : (long?)null, "a whole number of at least 1024"),
            LedgerMaxBatches = Read(section, "LedgerMaxBatches", defaults.LedgerMaxBatches, PositiveInt, "a whole number of at least 1"),
            MaxFutureSkew = Read(section, "MaxFutureSkew", defaults.MaxFutureSkew,
                text => TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var v) && v >= TimeSpan.Zero ? v : null, "a non-negative time span such as 01:00:00"),
            MaxApplyLag = Read(section, "MaxApplyLag", defaults.MaxApplyLag, PositiveSpan, "a positive time span such as 00:00:05"),
            ApplyConcurrency = Read(section, "ApplyConcurrency", defaults.ApplyConcurrency, PositiveInt, "a whole number of at least 1"),
            IngestionConcurrency = Read(section, "IngestionConcurrency", defaults.IngestionConcurrency, PositiveInt, "a whole number of at least 1"),
            MaxEventsPerRound = Read(section, "MaxEventsPerRound", defaults.MaxEventsPerRound, PositiveInt, "a whole number of at least 1"),
            IdlePollInterval = Read(section, "IdlePollInterval", defaults.IdlePollInterval, PositiveSpan, "a positive time span such as 00:00:30"),
            MinRoundInterval = Read(section, "MinRoundInterval", defaults.MinRoundInterval,
                text => TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var v) && v >= TimeSpan.Zero ? v : null, "a non-negative time span such as 00:00:01"),
            Statistics = new StatisticsOptions
            {
                Inference = Read(section, "Inference", defaults.Statistics.Inference,
                    text => Enum.TryParse<InferenceMode>(text, ignoreCase: true, out var v) && Enum.IsDefined(v) ? v : (InferenceMode?)null, "Sequential or FixedHorizon"),
                SequentialTuningSampleSize = Read(section, "SequentialTuningSampleSize", defaults.Statistics.SequentialTuningSampleSize,
                    text => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 1 ? v : (double?)null, "a number of at least 1"),
                MonteCarloDraws = Read(section, "MonteCarloDraws", defaults.Statistics.MonteCarloDraws,
                    text => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 1000 ? v : (int?)null, "a whole number of at least 1000"),
                Seed = Read(section, "Seed", defaults.Statistics.Seed,
                    text => ulong.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : (ulong?)null, "a non-negative whole number"),
            },
        };
    }

    private static int? PositiveInt(string text) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 1 ? v : null;

    private static TimeSpan? PositiveSpan(string text) => TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var v) && v > TimeSpan.Zero ? v : null;

    private static T Read<T>(IConfigurationSection section, string key, T fallback, Func<string, T?> parse, string expected) where T : struct
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        return parse(text.Trim()) ?? throw new InvalidOperationException($"Configuration '{Section}:{key}' is '{text}'; expected {expected}.");
    }
}
