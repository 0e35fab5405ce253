using Serverless.Workflows.Tests.TestSupport;
using Moq;
using Microsoft.DurableTask;
using Serverless.Durable;
using Serverless.Workflows.Common;
using Serverless.Workflows.Experiments;

namespace Serverless.Workflows.Tests.Experiments;

/// <summary>The aggregator's steps with a mocked context: drain, recompute (shard 0), wait when idle, continue as new.</summary>
public sealed class ExperimentAggregationOrchestratorTests
{
    private static readonly DateTime Now = new(2026, 11, 23, 1, 0, 0, DateTimeKind.Utc);

    private static Mock<TaskOrchestrationContext> Context(AggregatorInput input, DrainResult drained, List<object?> continued)
    {
        var context = new Mock<TaskOrchestrationContext>(MockBehavior.Strict);
        context.Setup(c => c.CurrentUtcDateTime).Returns(Now);
        context.Setup(c => c.SetCustomStatus(It.IsAny<object?>())).Callback<object?>(s => Assert.IsType<WorkflowStatus>(s));
        context.Setup(c => c.CallActivityAsync<DrainResult>(DrainExperimentShardActivity.Name, new DrainRequest(input.ExperimentId, input.Shard), ExperimentAggregationOrchestrator.DrainOptions))
            .ReturnsAsync(drained);
        context.Setup(c => c.ContinueAsNew(It.IsAny<object?>(), false)).Callback<object?, bool>((i, _) => continued.Add(i));
        return context;
    }

    [Fact]
    public async Task After_a_round_that_applied_something_shard_0_recomputes_and_drains_again_at_once()
    {
        var input = new AggregatorInput("ranker", 0, TimeSpan.FromSeconds(30));
        var continued = new List<object?>();
        var context = Context(input, new DrainResult("ranker", 0, 12, 12_000, 5, 1, false, 40_000), continued);
        context.Setup(c => c.CallActivityAsync<RecomputeResult>(RecomputeExperimentActivity.Name, new RecomputeRequest("ranker", Now, false), ExperimentAggregationOrchestrator.RecomputeOptions))
            .ReturnsAsync(new RecomputeResult("ranker", true, "first analysis"));

        await new ExperimentAggregationOrchestrator().RunAsync(context.Object, input);

        Assert.Equal([input], continued);
        context.Verify(c => c.WaitForExternalEvent<object?>(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
        Assert.True(ExperimentAggregationOrchestrator.DrainOptions.Retry!.Policy!.MaxNumberOfAttempts > 1);
    }

    [Fact]
    public async Task An_idle_shard_waits_for_a_wake_up_and_other_shards_leave_recomputing_to_shard_0()
    {
        var input = new AggregatorInput("ranker", 2, TimeSpan.FromSeconds(30));
        var continued = new List<object?>();
        var context = Context(input, DrainResult.Nothing("ranker", 2), continued);
        TimeSpan? waited = null;
        context.SetupEventWaits<object?>(ExperimentAggregationOrchestrator.WakeEvent, timeout =>
        {
            waited = timeout;
            return EventOutcome<object?>.Arrives(null);
        });

        await new ExperimentAggregationOrchestrator().RunAsync(context.Object, input);

        Assert.Equal([input], continued);
        Assert.Equal(TimeSpan.FromSeconds(30), waited);
        context.Verify(c => c.CallActivityAsync<RecomputeResult>(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<TaskOptions?>()), Times.Never);
    }
}
