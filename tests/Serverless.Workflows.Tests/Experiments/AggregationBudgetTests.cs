using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Workflows.Demo;
using Serverless.Workflows.Experiments;

namespace Serverless.Workflows.Tests.Experiments;

/// <summary>Aggregation runs within its own budget: while it is stuck, other workflows still run, and it never takes more than its slots.</summary>
public sealed class AggregationBudgetTests
{
    [Fact]
    public async Task While_an_apply_round_is_stuck_other_workflows_complete_and_no_second_round_starts()
    {
        await using var env = new ExperimentTestEnvironment(withEngine: true, new Dictionary<string, string?> { ["Serverless:Experiments:ApplyConcurrency"] = "1" });
        using var release = new ManualResetEventSlim();
        var stuck = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The first shard state written is durable, then its round hangs until the test lets it go.
        env.Blobs.AfterWrite = path =>
        {
            if (!path.EndsWith("/state.bin", StringComparison.Ordinal) || !stuck.TrySetResult()) return;
            release.Wait(TimeSpan.FromSeconds(60));
        };
        await env.Engine.StartAsync();
        var ranker = await env.DefinitionAsync("ranker");
        var banner = await env.DefinitionAsync("banner");
        var first = await env.SubmitAsync(EventFactory.Lines(EventFactory.Simulate(ranker, 50, [0.1, 0.2], seed: 1)));
        await stuck.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var second = await env.SubmitAsync(EventFactory.Lines(EventFactory.Simulate(banner, 50, [0.1, 0.2], seed: 2)));

        // Another workflow, fanning out to activities, runs to completion meanwhile.
        var client = env.Engine.Client;
        var demo = await client.ScheduleNewOrchestrationInstanceAsync(DemoApprovalOrchestrator.Name, new DemoInput(Items: 20, TimerSeconds: 0));
        await client.WaitForInstanceStartAsync(demo);
        await client.RaiseEventAsync(demo, DemoApprovalOrchestrator.ApprovalEvent, new DemoApproval(true, "test"));
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            Assert.Equal(OrchestrationRuntimeStatus.Completed, (await client.WaitForInstanceCompletionAsync(demo, false, deadline.Token)).RuntimeStatus);
        }

        // The banner's round waits for the one aggregation slot: its part is still pending.
        Assert.True(await env.Blobs.Inner.ExistsAsync(second.PendingParts.Single()));
        release.Set();
        var ingestion = env.Get<EventIngestion>();
        await ingestion.WaitUntilAppliedAsync(first, TimeSpan.FromSeconds(60));
        await ingestion.WaitUntilAppliedAsync(second, TimeSpan.FromSeconds(60));
        Assert.NotNull(await env.FiguresAsync("banner"));
    }
}
