using Serverless.Training.Contract;
using Serverless.Workflows.Training;

namespace Serverless.Workflows.Tests.Training;

/// <summary>The TrainingJob orchestration's deadlines and waits, decided from answers and orchestration times alone.</summary>
public sealed class TrainingJobMonitorTests
{
    private static readonly DateTime Submitted = new(2030, 1, 6, 1, 0, 0, DateTimeKind.Utc);
    private static readonly TrainingJobMonitorSettings Settings = new()
    {
        FirstPollInterval = TimeSpan.FromSeconds(10),
        MaxPollInterval = TimeSpan.FromMinutes(2),
        StartTimeout = TimeSpan.FromMinutes(30),
        NotFoundGracePeriod = TimeSpan.FromMinutes(2),
    };

    private static TrainingJobMonitor Monitor(TimeSpan? runTimeout = null) => new(Settings, runTimeout ?? TimeSpan.FromHours(2), Submitted);

    private static TrainingJobAnswer Answer(TrainingJobStatus status) => TrainingJobAnswer.Of(new TrainingJobState("job", status));

    private static TrainingJobAnswer Throttled(TimeSpan? retryAfter) => new(TrainingJobAnswerKind.Throttled, RetryAfter: retryAfter, Message: "429");

    private static TrainingJobAnswer Missing => new(TrainingJobAnswerKind.NotFound, Message: "No training job named 'job'");

    [Fact]
    public void Until_the_job_runs_the_start_deadline_applies_and_then_the_run_timeout_from_when_it_was_seen_running()
    {
        var monitor = Monitor();
        monitor.Accept(Answer(TrainingJobStatus.Queued), Submitted);
        Assert.Equal(Submitted.AddMinutes(30), monitor.DeadlineUtc);

        var seenRunning = Submitted.AddMinutes(25);
        monitor.Accept(Answer(TrainingJobStatus.Running), seenRunning);

        Assert.Equal(seenRunning, monitor.RunningSinceUtc);
        Assert.Equal(seenRunning.AddHours(2), monitor.DeadlineUtc);
        monitor.Accept(Answer(TrainingJobStatus.Running), seenRunning.AddMinutes(1));
        Assert.Equal(seenRunning, monitor.RunningSinceUtc);
    }

    [Theory]
    [InlineData(TrainingJobStatus.NotStarted, false)]
    [InlineData(TrainingJobStatus.Preparing, false)]
    [InlineData(TrainingJobStatus.Queued, false)]
    [InlineData(TrainingJobStatus.CancelRequested, false)]
    [InlineData(TrainingJobStatus.Running, true)]
    [InlineData(TrainingJobStatus.Finalizing, true)]
    [InlineData(TrainingJobStatus.NotResponding, true)]
    [InlineData(TrainingJobStatus.Paused, true)]
    public void Only_the_states_of_a_started_process_start_the_run_deadline(TrainingJobStatus status, bool started) =>
        Assert.Equal(started, TrainingJobMonitor.HasStarted(status));

    [Fact]
    public void Polls_back_off_and_never_wake_past_the_deadline()
    {
        var monitor = Monitor(TimeSpan.FromSeconds(100));
        var wakes = new List<DateTime>();
        var now = Submitted;
        var step = monitor.Accept(Answer(TrainingJobStatus.Running), now);
        while (step.Action == TrainingJobMonitorAction.Wait)
        {
            wakes.Add(step.WakeAtUtc!.Value);
            now = step.WakeAtUtc.Value;
            step = monitor.Accept(Answer(TrainingJobStatus.Running), now);
        }

        Assert.Equal([10, 30, 70, 100], wakes.Select(w => (w - Submitted).TotalSeconds));
        Assert.Equal(TrainingJobMonitorAction.TimedOut, step.Action);
        Assert.Contains("did not finish within its timeout of 100 s", step.Reason);
        Assert.Equal(4, monitor.Polls);
    }

    [Fact]
    public void A_terminal_state_finishes_even_at_the_deadline()
    {
        var monitor = Monitor(TimeSpan.FromMinutes(1));
        monitor.Accept(Answer(TrainingJobStatus.Running), Submitted);

        Assert.Equal(TrainingJobMonitorAction.Finished, monitor.Accept(Answer(TrainingJobStatus.Completed), Submitted.AddMinutes(5)).Action);
    }

    [Fact]
    public void Throttling_waits_as_long_as_the_service_asks_but_not_past_the_deadline()
    {
        var monitor = Monitor(TimeSpan.FromMinutes(20));
        monitor.Accept(Answer(TrainingJobStatus.Running), Submitted);

        var step = monitor.Accept(Throttled(TimeSpan.FromMinutes(15)), Submitted.AddMinutes(1));
        Assert.Equal(Submitted.AddMinutes(16), step.WakeAtUtc);

        step = monitor.Accept(Throttled(TimeSpan.FromMinutes(15)), Submitted.AddMinutes(16));
        Assert.Equal(Submitted.AddMinutes(20), step.WakeAtUtc);

        step = monitor.Accept(Throttled(TimeSpan.FromMinutes(15)), Submitted.AddMinutes(20));
        Assert.Equal(TrainingJobMonitorAction.TimedOut, step.Action);
        Assert.Equal(0, monitor.Polls);
    }

    [Fact]
    public void Throttling_without_Retry_After_backs_off_like_the_polls()
    {
        var monitor = Monitor();
        monitor.Accept(Answer(TrainingJobStatus.Running), Submitted);

        var first = monitor.Accept(Throttled(null), Submitted.AddSeconds(10));
        var second = monitor.Accept(Throttled(null), first.WakeAtUtc!.Value);

        Assert.Equal(Submitted.AddSeconds(30), first.WakeAtUtc);
        Assert.Equal(Submitted.AddSeconds(70), second.WakeAtUtc);
    }

    [Fact]
    public void A_missing_job_is_asked_for_again_within_the_grace_period_and_lost_after_it()
    {
        var monitor = Monitor();
        monitor.Accept(Answer(TrainingJobStatus.NotStarted), Submitted);

        var again = monitor.Accept(Missing, Submitted.AddSeconds(10));
        var clamped = monitor.Accept(Missing, Submitted.AddSeconds(115));
        var lost = monitor.Accept(Missing, Submitted.AddMinutes(2));

        Assert.Equal(Submitted.AddSeconds(20), again.WakeAtUtc);
        Assert.Equal(Submitted.AddMinutes(2), clamped.WakeAtUtc);
        Assert.Equal(TrainingJobMonitorAction.Lost, lost.Action);
        Assert.Contains("has not known the job for 00:02:00 since its submission (No training job named 'job')", lost.Reason);
    }

    [Fact]
    public void A_job_that_never_starts_times_out_at_the_start_deadline_naming_the_setting()
    {
        var monitor = Monitor();
        monitor.Accept(Answer(TrainingJobStatus.Queued), Submitted);

        var step = monitor.Accept(Answer(TrainingJobStatus.Queued), Submitted.AddMinutes(30));

        Assert.Equal(TrainingJobMonitorAction.TimedOut, step.Action);
        Assert.Contains("did not start within 00:30:00 of its submission (last status Queued", step.Reason);
        Assert.Contains("Serverless:Training:Monitor:StartTimeout", step.Reason);
    }
}
