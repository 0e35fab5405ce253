namespace Serverless.Durable;

/// <summary>
/// A declarative retry policy for activity and sub-orchestration calls: attempts, first interval,
/// back-off coefficient, maximum interval, overall retry timeout and a failure filter. Retries wait
/// on durable timers, so they survive restarts.
/// </summary>
public sealed class RetryPolicy
{
    public RetryPolicy(
        int maxNumberOfAttempts,
        TimeSpan firstRetryInterval,
        double backoffCoefficient = 1.0,
        TimeSpan? maxRetryInterval = null,
        TimeSpan? retryTimeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxNumberOfAttempts, 1);
        if (firstRetryInterval <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(firstRetryInterval), firstRetryInterval, "The first retry interval must be greater than zero.");
        if (backoffCoefficient < 1.0)
            throw new ArgumentOutOfRangeException(nameof(backoffCoefficient), backoffCoefficient, "The back-off coefficient must be 1.0 or greater.");
        if (maxRetryInterval is { } max && max != Timeout.InfiniteTimeSpan && max < firstRetryInterval)
            throw new ArgumentOutOfRangeException(nameof(maxRetryInterval), max, "The maximum retry interval must not be less than the first retry interval.");
        if (retryTimeout is { } timeout && timeout != Timeout.InfiniteTimeSpan && timeout < firstRetryInterval)
            throw new ArgumentOutOfRangeException(nameof(retryTimeout), timeout, "The retry timeout must not be less than the first retry interval.");

        MaxNumberOfAttempts = maxNumberOfAttempts;
        FirstRetryInterval = firstRetryInterval;
        BackoffCoefficient = backoffCoefficient;
        MaxRetryInterval = maxRetryInterval ?? TimeSpan.FromHours(1);
        RetryTimeout = retryTimeout ?? Timeout.InfiniteTimeSpan;
    }

    public int MaxNumberOfAttempts { get; }

    public TimeSpan FirstRetryInterval { get; }

    public double BackoffCoefficient { get; }

    public TimeSpan MaxRetryInterval { get; }

    /// <summary>No attempt starts after this much time since the first one; infinite by default.</summary>
    public TimeSpan RetryTimeout { get; }

    /// <summary>Decides whether a failure is worth retrying; all failures are retried when null.</summary>
    public Func<TaskFailureDetails, bool>? HandleFailure { get; init; }

    /// <summary>The delay before attempt <paramref name="nextAttempt"/> (2 for the first retry).</summary>
    public TimeSpan GetDelayBeforeAttempt(int nextAttempt)
    {
        var exponent = Math.Max(0, nextAttempt - 2);
        var ticks = FirstRetryInterval.Ticks * Math.Pow(BackoffCoefficient, exponent);
        var delay = ticks >= TimeSpan.MaxValue.Ticks ? TimeSpan.MaxValue : TimeSpan.FromTicks((long)ticks);
        return MaxRetryInterval != Timeout.InfiniteTimeSpan && delay > MaxRetryInterval ? MaxRetryInterval : delay;
    }
}
