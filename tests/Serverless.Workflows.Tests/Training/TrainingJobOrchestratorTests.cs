using Serverless.Workflows.Tests.TestSupport;
using Moq;
using Microsoft.DurableTask;
using Serverless.Durable;
using Serverless.Training;
using Serverless.Training.Configuration;
using Serverless.Training.Contract;
using Serverless.Workflows.Common;
using Serverless.Workflows.Training;

namespace Serverless.Workflows.Tests.Training;

/// <summary>
/// The monitor loop and the cancellation path with Moq on both sides: the orchestration context (timers
/// advance a fake orchestration clock; activity calls run the real activities) and the job service,
/// standing in for answers only Azure ML can give (a job stuck in Running, a cancel that never concludes).
/// </summary>
public sealed class TrainingJobOrchestratorTests
{
    private const string InstanceId = "refresh-2026-11-23-train-als";
    private static readonly DateTime Start = new(2026, 11, 23, 1, 0, 0, DateTimeKind.Utc);

    private readonly Mock<TaskOrchestrationContext> _context = new(MockBehavior.Strict);
    private readonly Mock<ITrainingJobService> _service = new(MockBehavior.Strict);
    private readonly List<DateTime> _timers = [];
    private readonly List<WorkflowStatus> _statuses = [];
    private readonly List<string> _calls = [];
    private DateTime _now = Start;

    public TrainingJobOrchestratorTests()
    {
        var backend = new TrainingBackend(TrainingMode.AzureMl, _service.Object);
        _context.Setup(c => c.InstanceId).Returns(InstanceId);
        _context.Setup(c => c.CurrentUtcDateTime).Returns(() => _now);
        _context.Setup(c => c.SetCustomStatus(It.IsAny<object?>())).Callback<object?>(s => _statuses.Add((WorkflowStatus)s!));
        _context.Setup(c => c.CreateTimer(It.IsAny<DateTime>(), CancellationToken.None))
            .Returns<DateTime, CancellationToken>((fireAt, _) =>
            {
                Assert.True(fireAt >= _now, "a timer in the past");
                _timers.Add(fireAt);
                _now = fireAt;
                return Task.CompletedTask;
            });
        Route<TrainingJobSpec, TrainingJobAnswer>(SubmitTrainingJobActivity.Name, new SubmitTrainingJobActivity(backend));
        Route<string, TrainingJobAnswer>(GetTrainingJobStatusActivity.Name, new GetTrainingJobStatusActivity(backend));
        Route<string, TrainingJobAnswer>(CancelTrainingJobActivity.Name, new CancelTrainingJobActivity(backend));
        Route<string, TrainingJobOutputs>(CollectTrainingJobOutputsActivity.Name, new CollectTrainingJobOutputsActivity(backend));
    }

    private static string JobName => TrainingJobName.FromInstance(InstanceId);

    private static TrainingJobSpec Spec(TimeSpan? timeout = null) => new()
    {
        Name = "set-by-the-orchestrator",
        Command = "serverless-trainer",
        Arguments = ["als", "--interactions", "${{inputs.interactions}}", "--output", "${{outputs.model}}"],
        Inputs = new Dictionary<string, TrainingJobInput> { ["interactions"] = new("file:datasets/jobs.csv", TrainingDataKind.UriFile) },
        Outputs = new Dictionary<string, TrainingJobOutput> { ["model"] = new("file:models/als/v1") },
        MetricsOutput = "model",
        Timeout = timeout ?? TimeSpan.FromHours(2),
    };

    /// <summary>Runs the real activity for each call, turning its exception into a TaskFailedException as the engine does.</summary>
    private void Route<TIn, TOut>(string name, TaskActivity<TIn, TOut> activity)
    {
        _context.Setup(c => c.CallActivityAsync<TOut>(name, It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns<TaskName, object?, TaskOptions?>(async (_, input, _) =>
            {
                _calls.Add(name);
                try
                {
                    return await activity.RunAsync(new TestActivityContext(name, InstanceId), (TIn)input!);
                }
                catch (Exception ex)
                {
                    throw new TaskFailedException(name, _calls.Count, TaskFailureDetails.FromException(ex));
                }
            });
    }

    private static TrainingJobState State(TrainingJobStatus status, string? error = null) =>
        new(JobName, status, error, $"https://ml.azure.com/runs/{JobName}");

    private void StatusSequence(params TrainingJobStatus[] statuses)
    {
        var queue = new Queue<TrainingJobStatus>(statuses);
        _service.Setup(s => s.GetStatusAsync(JobName, It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => State(queue.Count > 1 ? queue.Dequeue() : queue.Peek()));
    }

    [Fact]
    public async Task A_job_is_polled_with_doubling_intervals_capped_at_two_minutes_and_its_outputs_collected()
    {
        TrainingJobSpec? submitted = null;
        _service.Setup(s => s.SubmitAsync(It.IsAny<TrainingJobSpec>(), It.IsAny<CancellationToken>()))
            .Callback<TrainingJobSpec, CancellationToken>((spec, _) => submitted = spec)
            .ReturnsAsync(State(TrainingJobStatus.NotStarted));
        StatusSequence(TrainingJobStatus.Queued, TrainingJobStatus.Preparing, TrainingJobStatus.Running, TrainingJobStatus.Running,
            TrainingJobStatus.Running, TrainingJobStatus.Running, TrainingJobStatus.Finalizing, TrainingJobStatus.Completed);
        var outputs = new TrainingJobOutputs(JobName, new Dictionary<string, string> { ["model"] = "file:models/als/v1" },
            "file:models/als/v1/metrics.json", """{"loss":0.25}""");
        _service.Setup(s => s.GetOutputsAsync(JobName, It.IsAny<CancellationToken>())).ReturnsAsync(outputs);

        var result = await new TrainingJobOrchestrator().RunAsync(_context.Object, new TrainingJobRequest(Spec()));

        var gaps = _timers.Select((t, i) => (t - (i == 0 ? Start : _timers[i - 1])).TotalSeconds).ToArray();
        Assert.Equal([10, 20, 40, 80, 120, 120, 120, 120], gaps);
        Assert.Equal(8, result.Polls);
        Assert.Equal(JobName, result.Name);
        Assert.Equal(JobName, submitted!.Name);
        Assert.Equal("file:models/als/v1", result.Outputs["model"]);
        Assert.Equal("""{"loss":0.25}""", result.MetricsJson);
        Assert.Equal(Start, result.SubmittedAtUtc);
        Assert.Equal(_timers[^1], result.CompletedAtUtc);
        _service.Verify(s => s.SubmitAsync(It.IsAny<TrainingJobSpec>(), It.IsAny<CancellationToken>()), Times.Once);
        _service.Verify(s => s.CancelAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
        Assert.Equal("submit", _statuses[0].Step);
        Assert.Contains(_statuses, s => s.Step == "monitor" && s.Detail!.Contains("Running"));
        Assert.Equal("done", _statuses[^1].Step);
    }

    [Fact]
    public async Task Configured_intervals_drive_the_timers()
    {
        _service.Setup(s => s.SubmitAsync(It.IsAny<TrainingJobSpec>(), It.IsAny<CancellationToken>())).ReturnsAsync(State(TrainingJobStatus.Queued));
        StatusSequence(TrainingJobStatus.Running, TrainingJobStatus.Running, TrainingJobStatus.Running, TrainingJobStatus.Completed);
        _service.Setup(s => s.GetOutputsAsync(JobName, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new TrainingJobOutputs(JobName, new Dictionary<string, string>()));
        var monitor = new TrainingJobMonitorSettings { FirstPollInterval = TimeSpan.FromSeconds(1), MaxPollInterval = TimeSpan.FromSeconds(5), BackoffCoefficient = 3 };

        await new TrainingJobOrchestrator().RunAsync(_context.Object, new TrainingJobRequest(Spec(), monitor));

        var gaps = _timers.Select((t, i) => (t - (i == 0 ? Start : _timers[i - 1])).TotalSeconds).ToArray();
        Assert.Equal([1, 3, 5, 5], gaps);
    }

    [Fact]
    public async Task A_job_already_complete_on_submission_is_collected_without_a_timer()
    {
        // What a repeated submit after a restart sees when the job finished meanwhile.
        _service.Setup(s => s.SubmitAsync(It.IsAny<TrainingJobSpec>(), It.IsAny<CancellationToken>())).ReturnsAsync(State(TrainingJobStatus.Completed));
        _service.Setup(s => s.GetOutputsAsync(JobName, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new TrainingJobOutputs(JobName, new Dictionary<string, string> { ["model"] = "m" }));

        var result = await new TrainingJobOrchestrator().RunAsync(_context.Object, new TrainingJobRequest(Spec()));

        Assert.Empty(_timers);
        Assert.Equal(0, result.Polls);
        Assert.Equal([SubmitTrainingJobActivity.Name, CollectTrainingJobOutputsActivity.Name], _calls);
    }

    [Fact]
    public async Task A_failed_job_fails_the_orchestration_with_its_status_error_and_log_location()
    {
        _service.Setup(s => s.SubmitAsync(It.IsAny<TrainingJobSpec>(), It.IsAny<CancellationToken>())).ReturnsAsync(State(TrainingJobStatus.Queued));
        _service.SetupSequence(s => s.GetStatusAsync(JobName, It.IsAny<CancellationToken>()))
            .ReturnsAsync(State(TrainingJobStatus.Running))
            .ReturnsAsync(State(TrainingJobStatus.Failed, "UserError: CUDA out of memory"));

        var ex = await Assert.ThrowsAsync<TrainingJobFailedException>(() =>
            new TrainingJobOrchestrator().RunAsync(_context.Object, new TrainingJobRequest(Spec())));

        Assert.Equal(TrainingJobStatus.Failed, ex.Status);
        Assert.Contains("ended Failed", ex.Message);
        Assert.Contains("CUDA out of memory", ex.Message);
        Assert.Contains($"https://ml.azure.com/runs/{JobName}", ex.Message);
        _service.Verify(s => s.GetOutputsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
        _service.Verify(s => s.CancelAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task A_job_canceled_elsewhere_fails_the_orchestration()
    {
        _service.Setup(s => s.SubmitAsync(It.IsAny<TrainingJobSpec>(), It.IsAny<CancellationToken>())).ReturnsAsync(State(TrainingJobStatus.Running));
        StatusSequence(TrainingJobStatus.CancelRequested, TrainingJobStatus.Canceled);

        var ex = await Assert.ThrowsAsync<TrainingJobFailedException>(() =>
            new TrainingJobOrchestrator().RunAsync(_context.Object, new TrainingJobRequest(Spec())));

        Assert.Equal(TrainingJobStatus.Canceled, ex.Status);
        Assert.Contains("ended Canceled", ex.Message);
    }

    [Fact]
    public async Task A_job_past_its_timeout_is_canceled_and_the_orchestration_fails()
    {
        _service.Setup(s => s.SubmitAsync(It.IsAny<TrainingJobSpec>(), It.IsAny<CancellationToken>())).ReturnsAsync(State(TrainingJobStatus.Queued));
        var canceled = false;
        _service.Setup(s => s.GetStatusAsync(JobName, It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => State(canceled ? TrainingJobStatus.Canceled : TrainingJobStatus.Running));
        _service.Setup(s => s.CancelAsync(JobName, It.IsAny<CancellationToken>()))
            .Callback(() => canceled = true)
            .ReturnsAsync(State(TrainingJobStatus.CancelRequested));

        var ex = await Assert.ThrowsAsync<TrainingJobFailedException>(() =>
            new TrainingJobOrchestrator().RunAsync(_context.Object, new TrainingJobRequest(Spec(TimeSpan.FromMinutes(5)))));

        Assert.Equal(TrainingJobStatus.Canceled, ex.Status);
        Assert.Contains("did not finish within its timeout of 00:05:00", ex.Message);
        _service.Verify(s => s.CancelAsync(JobName, It.IsAny<CancellationToken>()), Times.Once);
        // Submitted Queued, seen Running at the first poll (10 s): the 5 minutes run from there. Polls at
        // 10, 30, 70, 150, 270 s; the last timer before the cancel is clamped to the deadline (310 s).
        var deadline = Start.AddSeconds(10).AddMinutes(5);
        var beforeCancel = _timers.TakeWhile(t => t <= deadline).ToList();
        Assert.Equal(deadline, beforeCancel[^1]);
        Assert.Equal([10, 30, 70, 150, 270, 310], beforeCancel.Select(t => (t - Start).TotalSeconds));
        // After the cancel, polling resumed until the job was Canceled.
        Assert.Equal(CancelTrainingJobActivity.Name, _calls[^2]);
        Assert.Equal(GetTrainingJobStatusActivity.Name, _calls[^1]);
        Assert.Contains(_statuses, s => s.Step == "cancel");
    }

    [Fact]
    public async Task A_cancel_that_never_concludes_fails_after_the_grace_period_with_the_last_status()
    {
        _service.Setup(s => s.SubmitAsync(It.IsAny<TrainingJobSpec>(), It.IsAny<CancellationToken>())).ReturnsAsync(State(TrainingJobStatus.Running));
        var canceled = false;
        _service.Setup(s => s.GetStatusAsync(JobName, It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => State(canceled ? TrainingJobStatus.CancelRequested : TrainingJobStatus.Running));
        _service.Setup(s => s.CancelAsync(JobName, It.IsAny<CancellationToken>()))
            .Callback(() => canceled = true)
            .ReturnsAsync(State(TrainingJobStatus.CancelRequested));
        var monitor = new TrainingJobMonitorSettings { CancelGracePeriod = TimeSpan.FromMinutes(3) };

        var ex = await Assert.ThrowsAsync<TrainingJobFailedException>(() =>
            new TrainingJobOrchestrator().RunAsync(_context.Object, new TrainingJobRequest(Spec(TimeSpan.FromMinutes(1)), monitor)));

        Assert.Equal(TrainingJobStatus.CancelRequested, ex.Status);
        Assert.Equal(Start.AddMinutes(1 + 3), _timers[^1]);
        Assert.True(_timers.Zip(_timers.Skip(1)).All(p => p.Second - p.First <= TimeSpan.FromMinutes(2)));
    }

    [Fact]
    public async Task A_spec_the_service_rejects_fails_at_once_with_the_service_message()
    {
        _service.Setup(s => s.SubmitAsync(It.IsAny<TrainingJobSpec>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new TrainingJobRejectedException(JobName, 400, "UserError", "Compute 'gpu-clustr' was not found in workspace 'ml'."));

        var ex = await Assert.ThrowsAsync<TrainingJobFailedException>(() =>
            new TrainingJobOrchestrator().RunAsync(_context.Object, new TrainingJobRequest(Spec())));

        Assert.Null(ex.Status);
        Assert.Contains("was not submitted", ex.Message);
        Assert.Contains("Compute 'gpu-clustr' was not found", ex.Message);
        Assert.Empty(_timers);
    }

    [Fact]
    public async Task In_process_mode_has_no_job_service_and_says_which_setting_to_change()
    {
        var activity = new SubmitTrainingJobActivity(new TrainingBackend(TrainingMode.InProcess, null));

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            activity.RunAsync(new TestActivityContext(SubmitTrainingJobActivity.Name, InstanceId), Spec()));

        Assert.Contains("Serverless:Training:Mode is InProcess", ex.Message);
    }

    [Fact]
    public void Only_transient_service_errors_are_retried()
    {
        var policy = TrainingJobOrchestrator.CallOptions(TrainingJobMonitorSettings.Default).Retry!;

        Assert.Equal(3, policy.Policy!.MaxNumberOfAttempts);
        Assert.True(policy.Policy!.Handles(TaskFailureDetails.FromException(new TrainingServiceException(JobName, "Read status", 503, null, "busy"))));
        Assert.False(policy.Policy!.Handles(TaskFailureDetails.FromException(new TrainingJobRejectedException(JobName, 400, null, "bad"))));
        Assert.False(policy.Policy!.Handles(TaskFailureDetails.FromException(
            new TrainingAccessDeniedException(JobName, "Reading", 403, "AuthorizationFailed", "the managed identity with client id x", "workspace ws", "no role"))));
        Assert.False(policy.Policy!.Handles(TaskFailureDetails.FromException(new TrainingJobNotFoundException(JobName, "ws"))));
    }

    [Fact]
    public async Task Invalid_monitor_settings_are_refused_before_anything_is_submitted()
    {
        var monitor = new TrainingJobMonitorSettings { FirstPollInterval = TimeSpan.Zero };

        var ex = await Assert.ThrowsAsync<ArgumentException>(() =>
            new TrainingJobOrchestrator().RunAsync(_context.Object, new TrainingJobRequest(Spec(), monitor)));

        Assert.Contains("firstPollInterval must be positive", ex.Message);
        Assert.Empty(_calls);
    }

    private static TrainingServiceException Throttled(TimeSpan? retryAfter) =>
        new(JobName, "Reading", 429, "TooManyRequests", "The request was throttled.", retryAfter: retryAfter);

    private void Completes() =>
        _service.Setup(s => s.GetOutputsAsync(JobName, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new TrainingJobOutputs(JobName, new Dictionary<string, string> { ["model"] = "m" }));

    [Fact]
    public async Task A_job_that_reads_as_missing_right_after_its_submit_is_asked_for_again()
    {
        _service.Setup(s => s.SubmitAsync(It.IsAny<TrainingJobSpec>(), It.IsAny<CancellationToken>())).ReturnsAsync(State(TrainingJobStatus.NotStarted));
        _service.SetupSequence(s => s.GetStatusAsync(JobName, It.IsAny<CancellationToken>()))
            .ThrowsAsync(new TrainingJobNotFoundException(JobName, "ws"))
            .ThrowsAsync(new TrainingJobNotFoundException(JobName, "ws"))
            .ReturnsAsync(State(TrainingJobStatus.Running))
            .ReturnsAsync(State(TrainingJobStatus.Completed));
        Completes();

        var result = await new TrainingJobOrchestrator().RunAsync(_context.Object, new TrainingJobRequest(Spec()));

        Assert.Equal(2, result.Polls);
        // Missing reads are asked again after the first poll interval; the back-off starts with the first real state.
        Assert.Equal([10, 20, 30, 50], _timers.Select(t => (t - Start).TotalSeconds));
    }

    [Fact]
    public async Task A_job_still_missing_after_the_grace_period_fails_the_orchestration()
    {
        _service.Setup(s => s.SubmitAsync(It.IsAny<TrainingJobSpec>(), It.IsAny<CancellationToken>())).ReturnsAsync(State(TrainingJobStatus.NotStarted));
        _service.Setup(s => s.GetStatusAsync(JobName, It.IsAny<CancellationToken>())).ThrowsAsync(new TrainingJobNotFoundException(JobName, "workspace ws"));
        var monitor = new TrainingJobMonitorSettings { NotFoundGracePeriod = TimeSpan.FromMinutes(1) };

        var ex = await Assert.ThrowsAsync<TrainingJobFailedException>(() =>
            new TrainingJobOrchestrator().RunAsync(_context.Object, new TrainingJobRequest(Spec(), monitor)));

        Assert.Contains("cannot be found: the service has not known the job for 60 s since its submission", ex.Message);
        Assert.Equal(Start.AddMinutes(1), _timers[^1]);
        _service.Verify(s => s.CancelAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Throttling_for_longer_than_an_hour_is_waited_out_on_timers_as_the_service_asks()
    {
        _service.Setup(s => s.SubmitAsync(It.IsAny<TrainingJobSpec>(), It.IsAny<CancellationToken>())).ReturnsAsync(State(TrainingJobStatus.Running));
        var statuses = _service.SetupSequence(s => s.GetStatusAsync(JobName, It.IsAny<CancellationToken>()));
        for (var i = 0; i < 20; i++) statuses = statuses.ThrowsAsync(Throttled(TimeSpan.FromMinutes(5)));
        statuses.ReturnsAsync(State(TrainingJobStatus.Completed));
        Completes();

        var result = await new TrainingJobOrchestrator().RunAsync(_context.Object, new TrainingJobRequest(Spec(TimeSpan.FromHours(2))));

        Assert.Equal(JobName, result.Name);
        var gaps = _timers.Select((t, i) => (t - (i == 0 ? Start : _timers[i - 1])).TotalSeconds).ToArray();
        Assert.Equal(10, gaps[0]);
        Assert.All(gaps.Skip(1), gap => Assert.Equal(300, gap));
        Assert.Equal(21, _timers.Count);
        _service.Verify(s => s.CancelAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Throttling_that_outlasts_the_deadline_ends_in_a_cancel_at_the_deadline()
    {
        _service.Setup(s => s.SubmitAsync(It.IsAny<TrainingJobSpec>(), It.IsAny<CancellationToken>())).ReturnsAsync(State(TrainingJobStatus.Running));
        var canceled = false;
        _service.Setup(s => s.GetStatusAsync(JobName, It.IsAny<CancellationToken>()))
            .Returns(() => canceled ? Task.FromResult(State(TrainingJobStatus.Canceled)) : Task.FromException<TrainingJobState>(Throttled(TimeSpan.FromMinutes(7))));
        _service.Setup(s => s.CancelAsync(JobName, It.IsAny<CancellationToken>()))
            .Callback(() => canceled = true)
            .ReturnsAsync(State(TrainingJobStatus.CancelRequested));

        var ex = await Assert.ThrowsAsync<TrainingJobFailedException>(() =>
            new TrainingJobOrchestrator().RunAsync(_context.Object, new TrainingJobRequest(Spec(TimeSpan.FromMinutes(30)))));

        Assert.Contains("did not finish within its timeout of 00:30:00", ex.Message);
        var deadline = Start.AddMinutes(30);
        Assert.Contains(deadline, _timers);
        Assert.DoesNotContain(_timers, t => t > deadline && !canceled);
        _service.Verify(s => s.CancelAsync(JobName, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task A_throttled_submit_is_submitted_again_after_the_wait()
    {
        _service.SetupSequence(s => s.SubmitAsync(It.IsAny<TrainingJobSpec>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(Throttled(TimeSpan.FromSeconds(90)))
            .ReturnsAsync(State(TrainingJobStatus.Completed));
        Completes();

        await new TrainingJobOrchestrator().RunAsync(_context.Object, new TrainingJobRequest(Spec()));

        Assert.Equal([Start.AddSeconds(90)], _timers);
        Assert.Equal([SubmitTrainingJobActivity.Name, SubmitTrainingJobActivity.Name, CollectTrainingJobOutputsActivity.Name], _calls);
    }

    [Fact]
    public async Task An_identity_without_access_fails_at_submit_naming_it_without_retries()
    {
        _service.Setup(s => s.SubmitAsync(It.IsAny<TrainingJobSpec>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new TrainingAccessDeniedException(JobName, "Reading datastore 'serverless'", 403, "AuthorizationFailed",
                "the managed identity with client id 5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b", "Azure ML workspace 'ws'", "no datastores/read"));

        var ex = await Assert.ThrowsAsync<TrainingJobFailedException>(() =>
            new TrainingJobOrchestrator().RunAsync(_context.Object, new TrainingJobRequest(Spec())));

        Assert.Contains("was not submitted", ex.Message);
        Assert.Contains("the managed identity with client id 5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b has no role that allows this on Azure ML workspace 'ws'", ex.Message);
        Assert.Empty(_timers);
        Assert.False(TrainingJobOrchestrator.CallOptions(TrainingJobMonitorSettings.Default).Retry!.Policy!
            .Handles(TaskFailureDetails.FromException(new TrainingAccessDeniedException(JobName, "Reading", 401, null, "x", "y", "z"))));
    }

    [Fact]
    public async Task Time_in_the_queue_does_not_count_against_the_run_timeout()
    {
        // 50 minutes queued while the cluster scales up, then 100 minutes running, with a 2-hour run timeout.
        _service.Setup(s => s.SubmitAsync(It.IsAny<TrainingJobSpec>(), It.IsAny<CancellationToken>())).ReturnsAsync(State(TrainingJobStatus.Queued));
        _service.Setup(s => s.GetStatusAsync(JobName, It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => State(_now < Start.AddMinutes(50) ? TrainingJobStatus.Queued
                : _now < Start.AddMinutes(150) ? TrainingJobStatus.Running : TrainingJobStatus.Completed));
        Completes();

        var result = await new TrainingJobOrchestrator().RunAsync(_context.Object, new TrainingJobRequest(Spec(TimeSpan.FromHours(2))));

        Assert.True(result.CompletedAtUtc >= Start.AddMinutes(150));
        _service.Verify(s => s.CancelAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task A_job_that_never_starts_is_canceled_at_the_start_deadline()
    {
        _service.Setup(s => s.SubmitAsync(It.IsAny<TrainingJobSpec>(), It.IsAny<CancellationToken>())).ReturnsAsync(State(TrainingJobStatus.Queued));
        var canceled = false;
        _service.Setup(s => s.GetStatusAsync(JobName, It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => State(canceled ? TrainingJobStatus.Canceled : TrainingJobStatus.Queued));
        _service.Setup(s => s.CancelAsync(JobName, It.IsAny<CancellationToken>()))
            .Callback(() => canceled = true)
            .ReturnsAsync(State(TrainingJobStatus.CancelRequested));
        var monitor = new TrainingJobMonitorSettings { StartTimeout = TimeSpan.FromMinutes(20) };

        var ex = await Assert.ThrowsAsync<TrainingJobFailedException>(() =>
            new TrainingJobOrchestrator().RunAsync(_context.Object, new TrainingJobRequest(Spec(TimeSpan.FromHours(2)), monitor)));

        Assert.Contains("did not start within 00:20:00 of its submission (last status Queued", ex.Message);
        Assert.Contains("Serverless:Training:Monitor:StartTimeout", ex.Message);
        Assert.Equal(TrainingJobStatus.Canceled, ex.Status);
        Assert.Contains(Start.AddMinutes(20), _timers);
    }

    [Fact]
    public async Task A_cancel_on_timeout_that_is_throttled_is_sent_again_after_the_wait()
    {
        _service.Setup(s => s.SubmitAsync(It.IsAny<TrainingJobSpec>(), It.IsAny<CancellationToken>())).ReturnsAsync(State(TrainingJobStatus.Running));
        var canceled = false;
        _service.Setup(s => s.GetStatusAsync(JobName, It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => State(canceled ? TrainingJobStatus.Canceled : TrainingJobStatus.Running));
        _service.SetupSequence(s => s.CancelAsync(JobName, It.IsAny<CancellationToken>()))
            .ThrowsAsync(Throttled(TimeSpan.FromSeconds(30)))
            .Returns(() =>
            {
                canceled = true;
                return Task.FromResult(State(TrainingJobStatus.CancelRequested));
            });

        var ex = await Assert.ThrowsAsync<TrainingJobFailedException>(() =>
            new TrainingJobOrchestrator().RunAsync(_context.Object, new TrainingJobRequest(Spec(TimeSpan.FromMinutes(1)))));

        Assert.Equal(TrainingJobStatus.Canceled, ex.Status);
        _service.Verify(s => s.CancelAsync(JobName, It.IsAny<CancellationToken>()), Times.Exactly(2));
        var deadline = Start.AddMinutes(1);
        Assert.Equal(deadline.AddSeconds(30), _timers.First(t => t > deadline));
    }
}
