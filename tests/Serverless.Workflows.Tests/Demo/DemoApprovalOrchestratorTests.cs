using Moq;
using Microsoft.DurableTask;
using Serverless.Durable;
using Serverless.Workflows.Common;
using Serverless.Workflows.Demo;
using Serverless.Workflows.Tests.TestSupport;

namespace Serverless.Workflows.Tests.Demo;

/// <summary>
/// Orchestrator logic tested the way Durable Functions users test theirs: the context is a Moq mock,
/// so each test decides what activities return and which events arrive, and checks the calls made.
/// </summary>
public sealed class DemoApprovalOrchestratorTests
{
    private static readonly DateTime Now = new(2026, 11, 23, 1, 0, 0, DateTimeKind.Utc);

    private readonly Mock<TaskOrchestrationContext> _context = new(MockBehavior.Strict);
    private readonly List<WorkflowStatus> _statuses = [];

    public DemoApprovalOrchestratorTests()
    {
        _context.Setup(c => c.CurrentUtcDateTime).Returns(Now);
        _context.Setup(c => c.SetCustomStatus(It.IsAny<object?>())).Callback<object?>(s => _statuses.Add((WorkflowStatus)s!));
        _context.Setup(c => c.CallActivityAsync<long>(DemoSquareActivity.Name, It.IsAny<object?>(), null))
            .Returns<TaskName, object?, TaskOptions?>((_, input, _) => Task.FromResult((long)(int)input! * (int)input!));
        _context.Setup(c => c.CreateTimer(TimeSpan.FromSeconds(2), CancellationToken.None)).Returns(Task.CompletedTask);
        _context.Setup(c => c.CallActivityAsync<bool>(DemoPublishActivity.Name, It.IsAny<object?>(), null)).ReturnsAsync(true);
    }

    [Fact]
    public async Task An_approval_publishes_the_total_of_the_fan_out()
    {
        _context.SetupEvent(DemoApprovalOrchestrator.ApprovalEvent, new DemoApproval(true, "Sato"));

        var result = await new DemoApprovalOrchestrator().RunAsync(_context.Object, new DemoInput(Items: 4));

        Assert.Equal(new DemoResult(1 + 4 + 9 + 16, "approved", "Sato", Published: true), result);
        _context.Verify(c => c.CallActivityAsync<long>(DemoSquareActivity.Name, It.IsAny<object?>(), null), Times.Exactly(4));
        _context.Verify(c => c.CallActivityAsync<bool>(DemoPublishActivity.Name, 30L, null), Times.Once);
        Assert.Equal(["fan-out", "timer", "approval", "publish", "done"], _statuses.Select(s => s.Step));
        Assert.Equal("Approval", _statuses.Single(s => s.Step == "approval").WaitingFor);
        VerifyApprovalDeadline(TimeSpan.FromMinutes(60));
    }

    [Fact]
    public async Task A_rejection_does_not_publish()
    {
        _context.SetupEvent(DemoApprovalOrchestrator.ApprovalEvent, new DemoApproval(false, "Suzuki", "numbers look off"));

        var result = await new DemoApprovalOrchestrator().RunAsync(_context.Object, new DemoInput(Items: 3));

        Assert.Equal("rejected", result.Decision);
        Assert.False(result.Published);
        _context.Verify(c => c.CallActivityAsync<bool>(DemoPublishActivity.Name, It.IsAny<object?>(), null), Times.Never);
        VerifyApprovalDeadline(TimeSpan.FromMinutes(60));
    }

    [Fact]
    public async Task No_decision_before_the_deadline_times_out_without_publishing()
    {
        _context.SetupEventTimeout<DemoApproval>(DemoApprovalOrchestrator.ApprovalEvent);

        var result = await new DemoApprovalOrchestrator().RunAsync(_context.Object, new DemoInput(Items: 2, ApprovalTimeoutMinutes: 5));

        Assert.Equal("timed-out", result.Decision);
        Assert.False(result.Published);
        VerifyApprovalDeadline(TimeSpan.FromMinutes(5));
    }

    [Fact]
    public async Task Out_of_range_input_is_refused_before_any_work()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            new DemoApprovalOrchestrator().RunAsync(_context.Object, new DemoInput(Items: 0)));
        _context.Verify(c => c.CallActivityAsync<long>(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<TaskOptions?>()), Times.Never);
    }

    /// <summary>The approval wait's deadline timer was set <paramref name="timeout"/> after the wait began.</summary>
    private void VerifyApprovalDeadline(TimeSpan timeout) =>
        _context.Verify(c => c.CreateTimer(Now + timeout, It.Is<CancellationToken>(t => t.CanBeCanceled)), Times.Once);
}
