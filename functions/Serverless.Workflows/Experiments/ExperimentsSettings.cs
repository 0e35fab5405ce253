using System.Globalization;
using Microsoft.Extensions.Configuration;
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

    /// <summary>...and whenever this many events were applied since the last recomputation.</summary>
    public long RecomputeEveryEvents { get; init; } = 10_000;

    /// <summary>How many read-apply-write rounds one apply makes against concurrent writers before the activity fails (and is retried).</summary>
    public int MaxApplyAttempts { get; init; } = 64;

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
            MaxApplyAttempts = Read(section, "MaxApplyAttempts", defaults.MaxApplyAttempts,
                text => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 1 ? v : (int?)null, "a whole number of at least 1"),
            Statistics = new StatisticsOptions
            {
                MonteCarloDraws = Read(section, "MonteCarloDraws", defaults.Statistics.MonteCarloDraws,
                    text => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 1000 ? v : (int?)null, "a whole number of at least 1000"),
                Seed = Read(section, "Seed", defaults.Statistics.Seed,
                    text => ulong.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : (ulong?)null, "a non-negative whole number"),
            },
        };
    }

    private static T Read<T>(IConfigurationSection section, string key, T fallback, Func<string, T?> parse, string expected) where T : struct
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        return parse(text.Trim()) ?? throw new InvalidOperationException($"Configuration '{Section}:{key}' is '{text}'; expected {expected}.");
    }
}
