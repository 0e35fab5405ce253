using Moq;
using Microsoft.DurableTask;
using Serverless.Durable;
using Serverless.Experiments.Aggregation;
using Serverless.Workflows.Common;
using Serverless.Workflows.Experiments;

namespace Serverless.Workflows.Tests.Experiments;

/// <summary>The orchestrator's steps with a mocked context: apply once (with retries), then ask every touched experiment for a recomputation.</summary>
public sealed class ExperimentAggregationOrchestratorTests
{
    private static readonly DateTime Now = new(2026, 11, 23, 1, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task Applies_then_asks_each_experiment_of_the_batch_for_a_recomputation()
    {
        var context = new Mock<TaskOrchestrationContext>(MockBehavior.Strict);
        var statuses = new List<WorkflowStatus>();
        context.Setup(c => c.CurrentUtcDateTime).Returns(Now);
        context.Setup(c => c.SetCustomStatus(It.IsAny<object?>())).Callback<object?>(s => statuses.Add((WorkflowStatus)s!));
        var input = new ExperimentBatchInput("experiments/batches/x.jsonl", "sha256:x", BatchFormats.JsonLines, "events.jsonl");
        var applied = new ExperimentBatchApplied("sha256:x", 10, 8, 2, new Dictionary<string, int> { ["UnknownVariant"] = 2 }, "experiments/quarantine/x.json",
        [
            new ExperimentApplyOutcome("banner", ApplyOutcome.Applied, 3, 0, 1, 30, "h1"),
            new ExperimentApplyOutcome("ranker", ApplyOutcome.AlreadyApplied, 0, 5, 1, 50, "h2"),
        ]);
        context.Setup(c => c.CallActivityAsync<ExperimentBatchApplied>(ApplyExperimentBatchActivity.Name, input, ExperimentAggregationOrchestrator.ApplyOptions))
            .ReturnsAsync(applied);
        var requests = new List<RecomputeRequest>();
        context.Setup(c => c.CallActivityAsync<RecomputeResult>(RecomputeExperimentActivity.Name, It.IsAny<object?>(), ExperimentAggregationOrchestrator.RecomputeOptions))
            .Callback<TaskName, object?, TaskOptions?>((_, request, _) => requests.Add((RecomputeRequest)request!))
            .Returns<TaskName, object?, TaskOptions?>((_, request, _) => Task.FromResult(new RecomputeResult(((RecomputeRequest)request!).ExperimentId, true, "first analysis")));

        var result = await new ExperimentAggregationOrchestrator().RunAsync(context.Object, input);

        Assert.Equal([new RecomputeRequest("banner", 30, "h1", Now), new RecomputeRequest("ranker", 50, "h2", Now)], requests);
        Assert.Equal(8, result.Accepted);
        Assert.Equal(2, result.QuarantinedByReason["UnknownVariant"]);
        Assert.Equal(2, result.Recomputations.Count);
        Assert.Equal(["apply", "recompute", "done"], statuses.Select(s => s.Step));
        Assert.True(ExperimentAggregationOrchestrator.ApplyOptions.Retry!.Policy!.MaxNumberOfAttempts > 1);
    }

    [Fact]
    public async Task An_unknown_format_fails_before_any_activity()
    {
        var context = new Mock<TaskOrchestrationContext>(MockBehavior.Strict);
        await Assert.ThrowsAsync<ArgumentException>(() => new ExperimentAggregationOrchestrator().RunAsync(context.Object,
            new ExperimentBatchInput("p", "sha256:x", "csv", "events.csv")));
    }
}
