using Microsoft.DurableTask;
using Serverless.Durable;
using Serverless.Workflows.Common;

namespace Serverless.Workflows.Demo;

/// <summary>Input of the demo workflow: how many items to fan out to, the timer, and how long to wait for approval.</summary>
public sealed record DemoInput(int Items = 10, int TimerSeconds = 2, int ApprovalTimeoutMinutes = 60);

/// <summary>The decision a person sends as the <c>Approval</c> event.</summary>
public sealed record DemoApproval(bool Approved, string? By = null, string? Comment = null);

public sealed record DemoResult(long Total, string Decision, string? DecidedBy, bool Published);

/// <summary>
/// A small workflow with the three shapes every real one uses: a fan-out/fan-in of activities, a
/// durable timer, and a wait for a person's decision with a deadline.
/// </summary>
public sealed class DemoApprovalOrchestrator : TaskOrchestrator<DemoInput, DemoResult>
{
    public const string Name = "DemoApproval";
    public const string ApprovalEvent = "Approval";

    public override async Task<DemoResult> RunAsync(TaskOrchestrationContext context, DemoInput input)
    {
        if (input.Items is < 1 or > 100_000) throw new ArgumentOutOfRangeException(nameof(input), input.Items, "items must be between 1 and 100,000");

        context.SetCustomStatus(WorkflowStatus.Progress("fan-out", 0, input.Items));
        var squares = await Task.WhenAll(Enumerable.Range(1, input.Items)
            .Select(i => context.CallActivityAsync<long>(DemoSquareActivity.Name, i)));
        var total = squares.Sum();

        context.SetCustomStatus(WorkflowStatus.Progress("timer", input.Items, input.Items, $"waiting {input.TimerSeconds} s"));
        await context.CreateTimer(TimeSpan.FromSeconds(input.TimerSeconds), CancellationToken.None);

        context.SetCustomStatus(WorkflowStatus.Waiting("approval", ApprovalEvent, $"total {total}; send {{\"approved\": true}} or false"));
        DemoApproval? decision;
        try
        {
            decision = await context.WaitForExternalEvent<DemoApproval>(ApprovalEvent, TimeSpan.FromMinutes(input.ApprovalTimeoutMinutes));
        }
        catch (TaskCanceledException)
        {
            decision = null;
        }

        var outcome = decision is null ? "timed-out" : decision.Approved ? "approved" : "rejected";
        var published = false;
        if (decision is { Approved: true })
        {
            context.SetCustomStatus(WorkflowStatus.Progress("publish", 0, 1));
            published = await context.CallActivityAsync<bool>(DemoPublishActivity.Name, total);
        }
        context.SetCustomStatus(WorkflowStatus.Progress("done", 1, 1, outcome));
        return new DemoResult(total, outcome, decision?.By, published);
    }
}

/// <summary>The fan-out step of the demo: squares a number.</summary>
public sealed class DemoSquareActivity : TaskActivity<int, long>
{
    public const string Name = "DemoSquare";

    public override Task<long> RunAsync(TaskActivityContext context, int input) => Task.FromResult((long)input * input);
}

/// <summary>The demo's publication step: idempotent by nature (it only reports).</summary>
public sealed class DemoPublishActivity : TaskActivity<long, bool>
{
    public const string Name = "DemoPublish";

    public override Task<bool> RunAsync(TaskActivityContext context, long input) => Task.FromResult(true);
}
