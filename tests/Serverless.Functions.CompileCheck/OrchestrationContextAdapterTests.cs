using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using Serverless.Functions.Adapters;
using Dt = Microsoft.DurableTask;
using Ours = Serverless.Durable;

namespace Serverless.Functions.CompileCheck;

/// <summary>
/// Each IOrchestrationContext call on the adapter becomes the Durable call of the same name, with options
/// and failures mapped. Durable's TaskOrchestrationContext is the compile-only declaration (abstract and
/// virtual members as in the real type), mocked with Moq.
/// </summary>
public sealed class OrchestrationContextAdapterTests
{
    private readonly Mock<Dt.TaskOrchestrationContext> _durable = new(MockBehavior.Strict);

    private DurableOrchestrationContextAdapter Adapter(ILoggerFactory? loggers = null) =>
        new(_durable.Object, loggers ?? NullLoggerFactory.Instance);

    [Fact]
    public void Properties_and_input_come_from_the_durable_context()
    {
        var now = new DateTime(2026, 1, 5, 4, 0, 0, DateTimeKind.Utc);
        _durable.SetupGet(c => c.Name).Returns(new Dt.TaskName("WeeklyForecast"));
        _durable.SetupGet(c => c.InstanceId).Returns("i-1");
        _durable.SetupGet(c => c.Parent).Returns(new Dt.ParentOrchestrationInstance(new Dt.TaskName("Parent"), "p-1"));
        _durable.SetupGet(c => c.CurrentUtcDateTime).Returns(now);
        _durable.SetupGet(c => c.IsReplaying).Returns(true);
        _durable.Setup(c => c.GetInput<int>()).Returns(42);
        _durable.Setup(c => c.NewGuid()).Returns(Guid.Parse("6f9619ff-8b86-d011-b42d-00c04fc964ff"));

        var adapter = Adapter();

        Assert.Equal("WeeklyForecast", adapter.Name);
        Assert.Equal("i-1", adapter.InstanceId);
        Assert.Equal(new Ours.ParentOrchestrationInstance("Parent", "p-1"), adapter.Parent);
        Assert.Equal(now, adapter.CurrentUtcDateTime);
        Assert.True(adapter.IsReplaying);
        Assert.Equal(42, adapter.GetInput<int>());
        Assert.Equal(Guid.Parse("6f9619ff-8b86-d011-b42d-00c04fc964ff"), adapter.NewGuid());
    }

    [Fact]
    public void A_top_level_orchestration_has_no_parent()
    {
        _durable.SetupGet(c => c.Parent).Returns((Dt.ParentOrchestrationInstance?)null);
        Assert.Null(Adapter().Parent);
    }

    [Fact]
    public async Task An_activity_call_passes_name_input_and_retry_policy_and_returns_the_result()
    {
        Dt.TaskOptions? seen = null;
        _durable.Setup(c => c.CallActivityAsync<long>(It.Is<Dt.TaskName>(n => n.Name == "DemoSquare"), 7, It.IsAny<Dt.TaskOptions?>()))
            .Callback((Dt.TaskName _, object? _, Dt.TaskOptions? o) => seen = o)
            .ReturnsAsync(49L);
        var policy = new Ours.RetryPolicy(5, TimeSpan.FromSeconds(2), 3.0, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(30));

        var result = await Adapter().CallActivityAsync<long>("DemoSquare", 7, Ours.TaskOptions.FromRetryPolicy(policy));

        Assert.Equal(49L, result);
        var durablePolicy = Assert.IsType<Dt.RetryPolicy>(seen?.Retry?.Policy);
        Assert.Equal(5, durablePolicy.MaxNumberOfAttempts);
        Assert.Equal(TimeSpan.FromSeconds(2), durablePolicy.FirstRetryInterval);
        Assert.Equal(3.0, durablePolicy.BackoffCoefficient);
        Assert.Equal(TimeSpan.FromMinutes(1), durablePolicy.MaxRetryInterval);
        Assert.Equal(TimeSpan.FromMinutes(30), durablePolicy.RetryTimeout);
        Assert.Null(seen!.Retry!.Handler);
    }

    [Fact]
    public async Task An_activity_without_options_and_without_result_is_called_as_such()
    {
        _durable.Setup(c => c.CallActivityAsync(It.Is<Dt.TaskName>(n => n.Name == "Notify"), "hello", null)).Returns(Task.CompletedTask);

        await Adapter().CallActivityAsync("Notify", "hello");

        _durable.Verify(c => c.CallActivityAsync(It.Is<Dt.TaskName>(n => n.Name == "Notify"), "hello", null), Times.Once);
    }

    [Fact]
    public async Task A_failed_activity_surfaces_as_our_TaskFailedException_with_the_failure_details()
    {
        var inner = new Dt.TaskFailureDetails("System.IO.IOException", "disk full", null, null);
        var details = new Dt.TaskFailureDetails("System.InvalidOperationException", "could not publish", "at Publish()", inner);
        _durable.Setup(c => c.CallActivityAsync<bool>(It.IsAny<Dt.TaskName>(), It.IsAny<object?>(), It.IsAny<Dt.TaskOptions?>()))
            .ThrowsAsync(new Dt.TaskFailedException("Publish", 3, details));

        var failure = await Assert.ThrowsAsync<Ours.TaskFailedException>(() => Adapter().CallActivityAsync<bool>("Publish", 1));

        Assert.Equal("Publish", failure.TaskName);
        Assert.Equal(3, failure.TaskId);
        Assert.Equal("System.InvalidOperationException", failure.FailureDetails.ErrorType);
        Assert.Equal("could not publish", failure.FailureDetails.ErrorMessage);
        Assert.Equal("at Publish()", failure.FailureDetails.StackTrace);
        Assert.Equal("disk full", failure.FailureDetails.RootMessage);
        Assert.True(failure.FailureDetails.IsCausedBy<InvalidOperationException>());
    }

    [Fact]
    public async Task A_failed_activity_without_result_also_surfaces_as_our_exception()
    {
        _durable.Setup(c => c.CallActivityAsync(It.IsAny<Dt.TaskName>(), It.IsAny<object?>(), It.IsAny<Dt.TaskOptions?>()))
            .ThrowsAsync(new Dt.TaskFailedException("Notify", 1, new Dt.TaskFailureDetails("System.Exception", "no", null, null)));

        await Assert.ThrowsAsync<Ours.TaskFailedException>(() => Adapter().CallActivityAsync("Notify"));
    }

    [Fact]
    public async Task A_sub_orchestration_keeps_its_chosen_instance_id_and_retries()
    {
        Dt.TaskOptions? seen = null;
        _durable.Setup(c => c.CallSubOrchestratorAsync<string>(It.Is<Dt.TaskName>(n => n.Name == "TrainingJob"), "spec", It.IsAny<Dt.TaskOptions?>()))
            .Callback((Dt.TaskName _, object? _, Dt.TaskOptions? o) => seen = o)
            .ReturnsAsync("done");
        var options = new Ours.SubOrchestrationOptions("job-1", new Ours.RetryPolicy(2, TimeSpan.FromSeconds(10)));

        var result = await Adapter().CallSubOrchestratorAsync<string>("TrainingJob", "spec", options);

        Assert.Equal("done", result);
        var sub = Assert.IsType<Dt.SubOrchestrationOptions>(seen);
        Assert.Equal("job-1", sub.InstanceId);
        Assert.Equal(2, sub.Retry?.Policy?.MaxNumberOfAttempts);
    }

    [Fact]
    public async Task A_failed_sub_orchestration_surfaces_as_our_exception()
    {
        _durable.Setup(c => c.CallSubOrchestratorAsync(It.IsAny<Dt.TaskName>(), It.IsAny<object?>(), It.IsAny<Dt.TaskOptions?>()))
            .ThrowsAsync(new Dt.TaskFailedException("TrainingJob", 4, new Dt.TaskFailureDetails("System.TimeoutException", "job timed out", null, null)));

        var failure = await Assert.ThrowsAsync<Ours.TaskFailedException>(() => Adapter().CallSubOrchestratorAsync("TrainingJob", null, new Ours.TaskOptions()));

        Assert.Equal("job timed out", failure.FailureDetails.ErrorMessage);
    }

    [Fact]
    public async Task Options_without_retry_become_durable_options_without_retry()
    {
        Dt.TaskOptions? seen = null;
        _durable.Setup(c => c.CallSubOrchestratorAsync<int>(It.IsAny<Dt.TaskName>(), null, It.IsAny<Dt.TaskOptions?>()))
            .Callback((Dt.TaskName _, object? _, Dt.TaskOptions? o) => seen = o)
            .ReturnsAsync(1);

        await Adapter().CallSubOrchestratorAsync<int>("Child", null, new Ours.SubOrchestrationOptions());

        Assert.NotNull(seen);
        Assert.Null(seen!.Retry);
        Assert.IsNotType<Dt.SubOrchestrationOptions>(seen);
    }

    [Fact]
    public async Task Timers_pass_through_with_their_cancellation_token()
    {
        using var cancellation = new CancellationTokenSource();
        var fireAt = new DateTime(2026, 1, 5, 5, 0, 0, DateTimeKind.Utc);
        _durable.Setup(c => c.CreateTimer(fireAt, cancellation.Token)).Returns(Task.CompletedTask);
        _durable.Setup(c => c.CreateTimer(TimeSpan.FromMinutes(5), cancellation.Token)).Returns(Task.CompletedTask);

        await Adapter().CreateTimer(fireAt, cancellation.Token);
        await Adapter().CreateTimer(TimeSpan.FromMinutes(5), cancellation.Token);

        _durable.Verify(c => c.CreateTimer(fireAt, cancellation.Token), Times.Once);
        _durable.Verify(c => c.CreateTimer(TimeSpan.FromMinutes(5), cancellation.Token), Times.Once);
    }

    [Fact]
    public async Task Waiting_for_an_event_passes_name_and_token()
    {
        using var cancellation = new CancellationTokenSource();
        _durable.Setup(c => c.WaitForExternalEvent<string>("ForecastReviewed", cancellation.Token)).ReturnsAsync("approve");

        Assert.Equal("approve", await Adapter().WaitForExternalEvent<string>("ForecastReviewed", cancellation.Token));
    }

    [Fact]
    public async Task An_event_that_arrives_before_the_timeout_cancels_the_timer()
    {
        var timer = new TaskCompletionSource();
        CancellationToken timerToken = default;
        _durable.Setup(c => c.CreateTimer(TimeSpan.FromHours(1), It.IsAny<CancellationToken>()))
            .Callback((TimeSpan _, CancellationToken t) => timerToken = t)
            .Returns(timer.Task);
        _durable.Setup(c => c.WaitForExternalEvent<string>("Approval", It.IsAny<CancellationToken>())).ReturnsAsync("yes");

        var result = await Adapter().WaitForExternalEvent<string>("Approval", TimeSpan.FromHours(1));

        Assert.Equal("yes", result);
        Assert.True(timerToken.IsCancellationRequested, "the durable timer must be cancelled, or the instance stays running until it fires");
    }

    [Fact]
    public async Task A_timeout_before_the_event_cancels_the_wait_and_throws_TaskCanceledException()
    {
        var received = new TaskCompletionSource<string>();
        _durable.Setup(c => c.CreateTimer(TimeSpan.FromMinutes(30), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        _durable.Setup(c => c.WaitForExternalEvent<string>("Approval", It.IsAny<CancellationToken>()))
            .Returns((string _, CancellationToken token) =>
            {
                token.Register(() => received.TrySetCanceled(token));
                return received.Task;
            });

        await Assert.ThrowsAnyAsync<TaskCanceledException>(() => Adapter().WaitForExternalEvent<string>("Approval", TimeSpan.FromMinutes(30)));
    }

    [Fact]
    public void Events_status_and_continue_as_new_pass_through()
    {
        _durable.Setup(c => c.SendEvent("other", "Ping", 5));
        _durable.Setup(c => c.SetCustomStatus("step"));
        _durable.Setup(c => c.ContinueAsNew("next", false));
        var adapter = Adapter();

        adapter.SendEvent("other", "Ping", 5);
        adapter.SetCustomStatus("step");
        adapter.ContinueAsNew("next", preserveUnprocessedEvents: false);

        _durable.Verify(c => c.SendEvent("other", "Ping", 5), Times.Once);
        _durable.Verify(c => c.SetCustomStatus("step"), Times.Once);
        _durable.Verify(c => c.ContinueAsNew("next", false), Times.Once);
    }

    [Fact]
    public void The_replay_safe_logger_writes_only_when_not_replaying()
    {
        var replaying = true;
        _durable.SetupGet(c => c.IsReplaying).Returns(() => replaying);
        var sink = new ListLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(sink));
        var logger = Adapter(loggers).CreateReplaySafeLogger("Serverless.Test");

        logger.LogInformation("during replay");
        replaying = false;
        logger.LogInformation("after replay");

        Assert.Equal(["after replay"], sink.Messages);
    }

    private sealed class ListLoggerProvider : ILoggerProvider
    {
        public List<string> Messages { get; } = [];

        public ILogger CreateLogger(string categoryName) => new ListLogger(Messages);

        public void Dispose()
        {
        }

        private sealed class ListLogger(List<string> messages) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                messages.Add(formatter(state, exception));
        }
    }
}
