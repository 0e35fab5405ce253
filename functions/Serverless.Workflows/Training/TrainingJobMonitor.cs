using System.Globalization;
using Serverless.Training.Contract;

namespace Serverless.Workflows.Training;

/// <summary>What the TrainingJob orchestration does after an answer.</summary>
public enum TrainingJobMonitorAction
{
    /// <summary>Wait on a durable timer until <see cref="TrainingJobMonitorStep.WakeAtUtc"/>, then ask again.</summary>
    Wait,

    /// <summary>The job reached a terminal state.</summary>
    Finished,

    /// <summary>The job ran out of time (to start, or to run): cancel it.</summary>
    TimedOut,

    /// <summary>The job cannot be found although the grace period after its submit is over.</summary>
    Lost,
}

/// <param name="Action">What to do.</param>
/// <param name="WakeAtUtc">With <see cref="TrainingJobMonitorAction.Wait"/>: when to ask next (never past the deadline).</param>
/// <param name="Reason">With TimedOut or Lost: why, for the failure message.</param>
public sealed record TrainingJobMonitorStep(TrainingJobMonitorAction Action, DateTime? WakeAtUtc = null, string? Reason = null);

/// <summary>
/// The deadlines and waits of the TrainingJob orchestration, apart from the orchestration so they can
/// be tested on their own. Pure: it is given every answer and the orchestration time it arrived at.
/// </summary>
/// <remarks>
/// <para>Two deadlines. Until the job is first seen running (Running, Finalizing, or the
/// NotResponding and Paused states a running job can be in), it has
/// <see cref="TrainingJobMonitorSettings.StartTimeout"/> from its submission to start: queueing and
/// scaling a GPU cluster up from zero take time that is not the job's. From then on it has the spec's
/// timeout, which is also what Azure ML enforces as <c>limits.timeout</c> on the run. The run deadline
/// starts when the orchestration sees the job running, at or after the service does, so the service's
/// own limit ends the job first and the cancel is a backstop.</para>
/// <para>Throttling is waited out for as long as the service's <c>Retry-After</c> asks (without one, for
/// the current poll interval), up to the deadline. A job that reads as missing within
/// <see cref="TrainingJobMonitorSettings.NotFoundGracePeriod"/> of its submission is asked for again,
/// because the service can answer a read before a new job is visible.</para>
/// </remarks>
public sealed class TrainingJobMonitor
{
    private readonly TrainingJobMonitorSettings _settings;
    private readonly TimeSpan _runTimeout;
    private TimeSpan _delay;

    public TrainingJobMonitor(TrainingJobMonitorSettings settings, TimeSpan runTimeout, DateTime submittedAtUtc)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _runTimeout = runTimeout;
        _delay = settings.FirstPollInterval;
        SubmittedAtUtc = submittedAtUtc;
    }

    public DateTime SubmittedAtUtc { get; }

    /// <summary>When the job was first seen running; null while it has not started.</summary>
    public DateTime? RunningSinceUtc { get; private set; }

    /// <summary>The last state the service gave; null until it gave one.</summary>
    public TrainingJobState? State { get; private set; }

    /// <summary>Answers with a state after the first (the status polls).</summary>
    public int Polls { get; private set; }

    /// <summary>The deadline in force: to start, then to finish running.</summary>
    public DateTime DeadlineUtc => RunningSinceUtc is { } running ? running + _runTimeout : SubmittedAtUtc + _settings.StartTimeout;

    /// <summary>The next poll's delay, for the custom status.</summary>
    public TimeSpan NextDelay => _delay;

    /// <summary>Records an answer that arrived at <paramref name="nowUtc"/> and says what to do next.</summary>
    public TrainingJobMonitorStep Accept(TrainingJobAnswer answer, DateTime nowUtc)
    {
        ArgumentNullException.ThrowIfNull(answer);
        DateTime wakeAt;
        switch (answer.Kind)
        {
            case TrainingJobAnswerKind.State when answer.State is { } state:
                if (State is not null) Polls++;
                State = state;
                if (RunningSinceUtc is null && HasStarted(state.Status)) RunningSinceUtc = nowUtc;
                if (state.IsTerminal) return new TrainingJobMonitorStep(TrainingJobMonitorAction.Finished);
                wakeAt = nowUtc + _delay;
                _delay = _settings.Next(_delay);
                break;
            case TrainingJobAnswerKind.Throttled:
                wakeAt = nowUtc + (answer.RetryAfter is { } retryAfter && retryAfter > TimeSpan.Zero ? retryAfter : _delay);
                if (answer.RetryAfter is null) _delay = _settings.Next(_delay);
                break;
            case TrainingJobAnswerKind.NotFound:
                var graceEnds = SubmittedAtUtc + _settings.NotFoundGracePeriod;
                if (nowUtc >= graceEnds)
                {
                    return new TrainingJobMonitorStep(TrainingJobMonitorAction.Lost, Reason:
                        $"the service has not known the job for {Describe(nowUtc - SubmittedAtUtc)} since its submission ({answer.Message})");
                }
                wakeAt = Min(nowUtc + _settings.FirstPollInterval, graceEnds);
                break;
            default:
                throw new ArgumentException($"An answer of kind {answer.Kind} without a state.", nameof(answer));
        }

        if (nowUtc >= DeadlineUtc) return new TrainingJobMonitorStep(TrainingJobMonitorAction.TimedOut, Reason: TimeoutReason());
        return new TrainingJobMonitorStep(TrainingJobMonitorAction.Wait, Min(wakeAt, DeadlineUtc));
    }

    /// <summary>True for the states of a job whose process has started.</summary>
    public static bool HasStarted(TrainingJobStatus status) =>
        status is TrainingJobStatus.Running or TrainingJobStatus.Finalizing or TrainingJobStatus.NotResponding or TrainingJobStatus.Paused
        || status.IsTerminal();

    private string TimeoutReason() => RunningSinceUtc is { } running
        ? $"did not finish within its timeout of {Describe(_runTimeout)} (running since {running.ToString("u", CultureInfo.InvariantCulture)})"
        : $"did not start within {Describe(_settings.StartTimeout)} of its submission (last status {State?.Status.ToString() ?? "unknown"}; "
          + $"raise {TrainingJobMonitorSettings.SectionPath}:{nameof(TrainingJobMonitorSettings.StartTimeout)} if the cluster needs longer to scale up)";

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    internal static string Describe(TimeSpan span) =>
        span.TotalSeconds < 1 ? $"{span.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms"
        : span.TotalMinutes < 2 ? $"{span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s"
        : span.ToString("c", CultureInfo.InvariantCulture);
}
