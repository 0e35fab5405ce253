using Serverless.Training.AzureMl;
using Serverless.Training.Contract;
using Serverless.Training.Tests.TestSupport;

namespace Serverless.Training.Tests.AzureMl;

/// <summary>
/// How the client reports what the service does that a simple script would not: a new job that reads
/// as missing for a moment, throttling that lasts longer than one call should wait, and a cancel of a
/// job that is already stopping. The TrainingJob orchestration builds on these answers.
/// </summary>
public sealed class AzureMlServiceBehaviourTests : IAsyncLifetime
{
    private FakeAzureMlServer _server = null!;
    private readonly List<TimeSpan> _waits = [];

    public async Task InitializeAsync() => _server = await FakeAzureMlServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private AzureMlTrainingJobService Service() => new(_server.WorkspaceOptions(), new FakeTokenCredential(), _server.ClientOptions(_waits));

    private static TrainingJobSpec Spec(string name) => new()
    {
        Name = name,
        Command = "serverless-trainer",
        Timeout = TimeSpan.FromHours(1),
    };

    [Fact]
    public async Task A_job_read_right_after_its_submit_can_be_missing_and_then_appear()
    {
        var service = Service();
        _server.HideAfterCreate("eventual", reads: 2);
        _server.Script("eventual", "Queued");
        await service.SubmitAsync(Spec("eventual"));

        await Assert.ThrowsAsync<TrainingJobNotFoundException>(() => service.GetStatusAsync("eventual"));
        await Assert.ThrowsAsync<TrainingJobNotFoundException>(() => service.GetStatusAsync("eventual"));
        var state = await service.GetStatusAsync("eventual");

        Assert.Equal(TrainingJobStatus.Queued, state.Status);
        Assert.Empty(_waits);
    }

    [Fact]
    public async Task Throttling_longer_than_a_calls_retry_budget_is_raised_with_the_wait_the_service_asked_for()
    {
        var service = Service();
        await service.SubmitAsync(Spec("throttled"));
        _server.Throttle(10, retryAfter: "45", r => r.Method == "GET");

        var error = await Assert.ThrowsAsync<TrainingServiceException>(() => service.GetStatusAsync("throttled"));

        Assert.True(error.IsThrottled);
        Assert.Equal(429, error.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(45), error.RetryAfter);
        // Two waits fit the call's 2-minute budget; the third would not, so the caller gets the 429.
        Assert.Equal([TimeSpan.FromSeconds(45), TimeSpan.FromSeconds(45)], _waits);
    }

    [Fact]
    public async Task Canceling_a_job_already_CancelRequested_returns_its_state_without_a_second_cancel()
    {
        var service = Service();
        _server.Script("stopping", "CancelRequested");
        await service.SubmitAsync(Spec("stopping"));

        var state = await service.CancelAsync("stopping");

        Assert.Equal(TrainingJobStatus.CancelRequested, state.Status);
        Assert.DoesNotContain(_server.Requests, r => r.IsCancel);
    }

    [Fact]
    public async Task A_cancel_refused_because_the_job_began_stopping_meanwhile_returns_its_state()
    {
        var service = Service();
        _server.Script("race", "Running", "CancelRequested");
        await service.SubmitAsync(Spec("race"));
        _server.Enqueue(new CannedResponse(r => r.IsCancel, 409,
            FakeAzureMlServer.Error("UserError", "Job 'race' is in state CancelRequested and cannot be canceled.")));

        var state = await service.CancelAsync("race");

        Assert.Equal(TrainingJobStatus.CancelRequested, state.Status);
        Assert.Single(_server.Requests, r => r.IsCancel);
    }

    [Fact]
    public async Task A_cancel_refused_for_a_job_still_running_is_an_error()
    {
        var service = Service();
        _server.Script("stuck", "Running");
        await service.SubmitAsync(Spec("stuck"));
        _server.Enqueue(new CannedResponse(r => r.IsCancel, 409, FakeAzureMlServer.Error("UserError", "Cancel is not possible now.")));

        var error = await Assert.ThrowsAsync<TrainingServiceException>(() => service.CancelAsync("stuck"));

        Assert.Equal(409, error.StatusCode);
        Assert.Contains("Cancel is not possible now.", error.Message);
    }
}
