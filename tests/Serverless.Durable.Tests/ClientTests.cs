namespace Serverless.Durable.Tests;

/// <summary>The client's operations: suspend, resume, terminate, purge, query, history, scheduled starts.</summary>
public sealed class ClientTests
{
    private static void Register(DurableTaskRegistry r) => r
        .AddActivityFunc<int, int>("Echo", (_, x) => Task.FromResult(x))
        .AddOrchestratorFunc<int, string>("Gate", async (ctx, x) =>
        {
            ctx.SetCustomStatus(new { step = "waiting", x });
            var decision = await ctx.WaitForExternalEvent<string>("Go");
            await ctx.CallActivityAsync<int>("Echo", x);
            return decision;
        });

    [Fact]
    public async Task A_suspended_instance_holds_its_events_until_resumed()
    {
        await using var test = await TestEngine.StartAsync(Register);
        var id = await test.Client.ScheduleNewOrchestrationInstanceAsync("Gate", 1);
        await test.WaitForAsync(id, m => m.SerializedCustomStatus is not null);

        await test.Client.SuspendInstanceAsync(id, "maintenance");
        await test.WaitForAsync(id, m => m.RuntimeStatus == OrchestrationRuntimeStatus.Suspended);
        await test.Client.RaiseEventAsync(id, "Go", "approved");

        // The event waits in the inbox; the instance stays suspended.
        var pending = await test.WaitForAsync(id, m => m.RuntimeStatus == OrchestrationRuntimeStatus.Suspended);
        Assert.Equal(OrchestrationRuntimeStatus.Suspended, pending.RuntimeStatus);

        await test.Client.ResumeInstanceAsync(id, "done");
        var result = await test.WaitAsync(id);
        Assert.Equal("approved", result.ReadOutputAs<string>());
        var history = await test.Client.GetHistoryAsync(id);
        var types = history.Select(e => e.EventType).ToList();
        Assert.True(types.IndexOf("ExecutionSuspended") < types.IndexOf("ExecutionResumed"));
        Assert.True(types.IndexOf("ExecutionResumed") < types.IndexOf("EventRaised"));
    }

    [Fact]
    public async Task Terminate_ends_a_running_instance_with_the_reason_as_output()
    {
        await using var test = await TestEngine.StartAsync(Register);
        var id = await test.Client.ScheduleNewOrchestrationInstanceAsync("Gate", 1);
        await test.WaitForAsync(id, m => m.SerializedCustomStatus is not null);

        await test.Client.TerminateInstanceAsync(id, "cancelled by operator");
        var result = await test.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Terminated, result.RuntimeStatus);
        Assert.Equal("cancelled by operator", result.ReadOutputAs<string>());
        var error = await Assert.ThrowsAsync<InstanceStateException>(() => test.Client.RaiseEventAsync(id, "Go", "late"));
        Assert.Contains("Terminated", error.Message);
    }

    [Fact]
    public async Task Purge_removes_a_finished_instance_and_refuses_a_running_one()
    {
        await using var test = await TestEngine.StartAsync(Register);
        var running = await test.Client.ScheduleNewOrchestrationInstanceAsync("Gate", 1, new StartOrchestrationOptions("running"));
        await Assert.ThrowsAsync<InstanceStateException>(() => test.Client.PurgeInstanceAsync(running));

        await test.Client.RaiseEventAsync(running, "Go", "ok");
        await test.WaitAsync(running);
        Assert.Equal(1, (await test.Client.PurgeInstanceAsync(running)).PurgedInstanceCount);
        Assert.Null(await test.Client.GetInstanceAsync(running, true));
        Assert.Equal(0, (await test.Client.PurgeInstanceAsync(running)).PurgedInstanceCount);
        await Assert.ThrowsAsync<InstanceNotFoundException>(() => test.Client.GetHistoryAsync(running));
    }

    [Fact]
    public async Task Query_filters_by_status_name_and_creation_time_and_pages()
    {
        await using var test = await TestEngine.StartAsync(r => Register(r.AddOrchestratorFunc<int, int>("Quick", (_, x) => Task.FromResult(x))));
        var before = DateTime.UtcNow.AddSeconds(-1);
        for (var i = 0; i < 5; i++) await test.WaitAsync(await test.Client.ScheduleNewOrchestrationInstanceAsync("Quick", i, new StartOrchestrationOptions($"quick-{i}")));
        var waiting = await test.Client.ScheduleNewOrchestrationInstanceAsync("Gate", 1, new StartOrchestrationOptions("gate-1"));
        await test.WaitForAsync(waiting, m => m.RuntimeStatus == OrchestrationRuntimeStatus.Running);

        var completed = await test.Client.QueryInstancesAsync(new OrchestrationQuery(Statuses: [OrchestrationRuntimeStatus.Completed]));
        Assert.Equal(5, completed.Instances.Count);
        Assert.All(completed.Instances, m => Assert.Equal("Quick", m.Name));

        var byPrefix = await test.Client.QueryInstancesAsync(new OrchestrationQuery(InstanceIdPrefix: "gate"));
        Assert.Equal("gate-1", Assert.Single(byPrefix.Instances).InstanceId);

        var none = await test.Client.QueryInstancesAsync(new OrchestrationQuery(CreatedTo: before.ToUniversalTime()));
        Assert.Empty(none.Instances);

        var page1 = await test.Client.QueryInstancesAsync(new OrchestrationQuery(PageSize: 4));
        Assert.Equal(4, page1.Instances.Count);
        Assert.NotNull(page1.ContinuationToken);
        var page2 = await test.Client.QueryInstancesAsync(new OrchestrationQuery(PageSize: 4, ContinuationToken: page1.ContinuationToken));
        Assert.Equal(2, page2.Instances.Count);
        Assert.Null(page2.ContinuationToken);
        Assert.Empty(page1.Instances.Select(m => m.InstanceId).Intersect(page2.Instances.Select(m => m.InstanceId)));
    }

    [Fact]
    public async Task History_names_each_step_and_pairs_completions_with_their_schedule()
    {
        await using var test = await TestEngine.StartAsync(Register);
        var id = await test.Client.ScheduleNewOrchestrationInstanceAsync("Gate", 5);
        await test.WaitForAsync(id, m => m.SerializedCustomStatus is not null);
        await test.Client.RaiseEventAsync(id, "Go", "yes");
        await test.WaitAsync(id);

        var history = await test.Client.GetHistoryAsync(id);
        var scheduled = history.Single(e => e.EventType == "TaskScheduled");
        var completed = history.Single(e => e.EventType == "TaskCompleted");
        Assert.Equal("Echo", scheduled.Name);
        Assert.Equal("Echo", completed.Name);
        Assert.Equal(scheduled.TaskId, completed.TaskId);
        Assert.True(completed.Timestamp >= scheduled.Timestamp);
        Assert.Equal("Go", history.Single(e => e.EventType == "EventRaised").Name);
        Assert.Equal("ExecutionCompleted", history[^1].EventType);
    }

    [Fact]
    public async Task Custom_status_is_readable_while_running()
    {
        await using var test = await TestEngine.StartAsync(Register);
        var id = await test.Client.ScheduleNewOrchestrationInstanceAsync("Gate", 42);
        var metadata = await test.WaitForAsync(id, m => m.SerializedCustomStatus is not null);
        var status = metadata.ReadCustomStatusAs<System.Text.Json.JsonElement>();
        Assert.Equal("waiting", status.GetProperty("step").GetString());
        Assert.Equal(42, status.GetProperty("x").GetInt32());
        Assert.Equal(42, metadata.ReadInputAs<int>());
    }
}
