using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Durable.Embedded;
using Serverless.Workflows.Demo;

namespace Serverless.Workflows.Tests.Demo;

/// <summary>The same workflow end to end on the embedded engine, registered through the catalog.</summary>
public sealed class DemoApprovalEngineTests
{
    [Fact]
    public async Task The_demo_runs_to_completion_on_the_engine_after_an_approval()
    {
        await using var engine = new EmbeddedEngine(WorkflowCatalog.Create(), new EmbeddedEngineOptions { InMemory = true, PollInterval = TimeSpan.FromMilliseconds(20) });
        await engine.StartAsync();

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(DemoApprovalOrchestrator.Name, new DemoInput(Items: 50, TimerSeconds: 0));
        await engine.Client.RaiseEventAsync(id, DemoApprovalOrchestrator.ApprovalEvent, new DemoApproval(true, "Tanaka"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var result = await engine.Client.WaitForInstanceCompletionAsync(id, true, timeout.Token);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        var output = result.ReadOutputAs<DemoResult>()!;
        Assert.Equal(Enumerable.Range(1, 50).Sum(i => (long)i * i), output.Total);
        Assert.Equal("Tanaka", output.DecidedBy);
    }
}
