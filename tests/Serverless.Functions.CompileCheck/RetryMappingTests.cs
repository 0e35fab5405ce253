using Moq;
using Serverless.Functions.Adapters;
using Dt = Microsoft.DurableTask;
using Ours = Serverless.Durable;

namespace Serverless.Functions.CompileCheck;

/// <summary>
/// A retry policy with a failure filter cannot travel to the Durable Functions host as a declarative
/// policy, so it becomes a handler that runs in the orchestrator with the same schedule.
/// </summary>
public sealed class RetryMappingTests
{
    private static readonly Dt.TaskFailureDetails Transient = new("System.TimeoutException", "timed out", null, null);
    private static readonly Dt.TaskFailureDetails Permanent = new("System.ArgumentException", "bad input", null, null);

    private static Ours.RetryPolicy FilteredPolicy() => new(4, TimeSpan.FromSeconds(10), 2.0, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10))
    {
        HandleFailure = failure => failure.ErrorType == "System.TimeoutException",
    };

    [Fact]
    public void A_policy_with_a_failure_filter_becomes_a_retry_handler()
    {
        var options = DurableMapping.ToDurable(Ours.TaskOptions.FromRetryPolicy(FilteredPolicy()));

        Assert.NotNull(options?.Retry?.Handler);
        Assert.Null(options!.Retry!.Policy);
    }

    [Fact]
    public async Task The_handler_waits_the_policys_back_off_on_a_durable_timer_then_retries()
    {
        var context = new Mock<Dt.TaskOrchestrationContext>(MockBehavior.Strict);
        context.Setup(c => c.CreateTimer(TimeSpan.FromSeconds(20), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);

        var retry = await DurableMapping.RetryAsync(FilteredPolicy(), new Dt.RetryContext(context.Object, 2, Transient, TimeSpan.FromSeconds(30), default));

        Assert.True(retry);
        // Attempt 3 follows attempt 2: first interval 10 s times coefficient 2 = 20 s, as the embedded engine waits.
        context.Verify(c => c.CreateTimer(TimeSpan.FromSeconds(20), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task The_handler_stops_when_the_filter_declines_the_failure()
    {
        var context = new Mock<Dt.TaskOrchestrationContext>(MockBehavior.Strict);

        Assert.False(await DurableMapping.RetryAsync(FilteredPolicy(), new Dt.RetryContext(context.Object, 1, Permanent, TimeSpan.Zero, default)));
    }

    [Fact]
    public async Task The_handler_stops_when_attempts_or_retry_time_are_used_up()
    {
        var context = new Mock<Dt.TaskOrchestrationContext>(MockBehavior.Strict);

        Assert.False(await DurableMapping.RetryAsync(FilteredPolicy(), new Dt.RetryContext(context.Object, 4, Transient, TimeSpan.Zero, default)));
        Assert.False(await DurableMapping.RetryAsync(FilteredPolicy(), new Dt.RetryContext(context.Object, 1, Transient, TimeSpan.FromMinutes(10), default)));
    }

    [Fact]
    public void Failure_details_map_with_their_inner_failures()
    {
        var details = DurableMapping.FromDurable(new Dt.TaskFailureDetails("Outer", "outer message", "stack", Transient));

        Assert.Equal(new Ours.TaskFailureDetails("Outer", "outer message", "stack", new Ours.TaskFailureDetails("System.TimeoutException", "timed out")), details);
    }
}
