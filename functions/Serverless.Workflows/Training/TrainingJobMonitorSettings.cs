using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Serverless.Workflows.Training;

/// <summary>
/// How the TrainingJob sub-orchestration watches a job: the first poll interval, doubling (or the
/// configured coefficient) up to a maximum; how long a job may take to start; how long a new job may
/// read as missing; and how long to wait for a canceled job to wind down. The job's run timeout is
/// <see cref="Serverless.Training.Contract.TrainingJobSpec.Timeout"/> (see <see cref="TrainingJobMonitor"/>).
/// </summary>
/// <remarks>
/// Configuration (all optional): <c>Serverless:Training:Monitor:FirstPollInterval</c> (default 00:00:10),
/// <c>...:MaxPollInterval</c> (00:02:00), <c>...:BackoffCoefficient</c> (2), <c>...:StartTimeout</c> (01:00:00),
/// <c>...:NotFoundGracePeriod</c> (00:02:00), <c>...:CancelGracePeriod</c> (00:05:00),
/// <c>...:StatusAttempts</c> (3, calls of a status activity before a transient service error fails the job).
/// </remarks>
public sealed record TrainingJobMonitorSettings
{
    public const string SectionPath = "Serverless:Training:Monitor";

    public TimeSpan FirstPollInterval { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaxPollInterval { get; init; } = TimeSpan.FromMinutes(2);

    public double BackoffCoefficient { get; init; } = 2.0;

    /// <summary>How long a job may wait (queued, preparing, scaling the cluster up) before it runs; measured from the submission.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long after the submission a job that reads as missing is asked for again rather than given up.</summary>
    public TimeSpan NotFoundGracePeriod { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>After a cancel on timeout, how long to keep polling for the job to reach Canceled.</summary>
    public TimeSpan CancelGracePeriod { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Attempts of each service call when the service answers with a transient error.</summary>
    public int StatusAttempts { get; init; } = 3;

    public static TrainingJobMonitorSettings Default { get; } = new();

    /// <summary>The poll delay after <paramref name="delay"/>: multiplied by the coefficient, capped at the maximum.</summary>
    public TimeSpan Next(TimeSpan delay)
    {
        var ticks = delay.Ticks * BackoffCoefficient;
        return ticks >= MaxPollInterval.Ticks ? MaxPollInterval : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>Every problem with the settings, named by field.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (FirstPollInterval <= TimeSpan.Zero) problems.Add($"firstPollInterval must be positive (was {FirstPollInterval})");
        if (MaxPollInterval < FirstPollInterval) problems.Add($"maxPollInterval ({MaxPollInterval}) must not be less than firstPollInterval ({FirstPollInterval})");
        if (!(BackoffCoefficient >= 1.0) || !double.IsFinite(BackoffCoefficient)) problems.Add($"backoffCoefficient must be 1 or more (was {BackoffCoefficient.ToString(CultureInfo.InvariantCulture)})");
        if (StartTimeout <= TimeSpan.Zero) problems.Add($"startTimeout must be positive (was {StartTimeout})");
        if (NotFoundGracePeriod < TimeSpan.Zero) problems.Add($"notFoundGracePeriod must not be negative (was {NotFoundGracePeriod})");
        if (CancelGracePeriod < TimeSpan.Zero) problems.Add($"cancelGracePeriod must not be negative (was {CancelGracePeriod})");
        if (StatusAttempts < 1) problems.Add($"statusAttempts must be at least 1 (was {StatusAttempts})");
        return problems;
    }

    /// <summary>Reads <c>Serverless:Training:Monitor:*</c>; a malformed value is an error naming its key.</summary>
    public static TrainingJobMonitorSettings FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(SectionPath);
        var settings = new TrainingJobMonitorSettings
        {
            FirstPollInterval = Duration(section, nameof(FirstPollInterval), Default.FirstPollInterval),
            MaxPollInterval = Duration(section, nameof(MaxPollInterval), Default.MaxPollInterval),
            BackoffCoefficient = Number(section, nameof(BackoffCoefficient), Default.BackoffCoefficient),
            StartTimeout = Duration(section, nameof(StartTimeout), Default.StartTimeout),
            NotFoundGracePeriod = Duration(section, nameof(NotFoundGracePeriod), Default.NotFoundGracePeriod),
            CancelGracePeriod = Duration(section, nameof(CancelGracePeriod), Default.CancelGracePeriod),
            StatusAttempts = (int)Number(section, nameof(StatusAttempts), Default.StatusAttempts),
        };
        var problems = settings.Problems();
        if (problems.Count > 0) throw new InvalidOperationException($"{SectionPath} is invalid: {string.Join("; ", problems)}");
        return settings;
    }

    private static TimeSpan Duration(IConfigurationSection section, string key, TimeSpan fallback)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidOperationException($"{section.Path}:{key} = '{text}' is not a duration (use hh:mm:ss, e.g. 00:00:10).");
    }

    private static double Number(IConfigurationSection section, string key, double fallback)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidOperationException($"{section.Path}:{key} = '{text}' is not a number.");
    }
}
