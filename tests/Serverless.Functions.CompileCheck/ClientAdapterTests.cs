using System.Text.Json;
using Moq;
using Serverless.Functions.Adapters;
using Serverless.Workflows;
using Serverless.Workflows.Demo;
using Dt = Microsoft.DurableTask;
using Dtc = Microsoft.DurableTask.Client;
using Ours = Serverless.Durable;

namespace Serverless.Functions.CompileCheck;

/// <summary>
/// The client adapter gives the shared HTTP handlers the same contract on Durable Functions as on the
/// embedded engine: the same calls, and the same errors where Durable would stay silent.
/// </summary>
public sealed class ClientAdapterTests
{
    private static readonly DateTimeOffset Created = new(2026, 1, 5, 4, 0, 0, TimeSpan.Zero);
    private readonly Mock<Dtc.DurableTaskClient> _durable = new(MockBehavior.Strict, "test");

    private DurableClientAdapter Adapter() => new(_durable.Object, WorkflowCatalog.Create());

    private static Dtc.OrchestrationMetadata Instance(string id, Dtc.OrchestrationRuntimeStatus status, string name = DemoApprovalOrchestrator.Name) =>
        new(name, id) { RuntimeStatus = status, CreatedAt = Created, LastUpdatedAt = Created.AddMinutes(1) };

    private void Existing(string id, Dtc.OrchestrationMetadata? metadata) =>
        _durable.Setup(c => c.GetInstanceAsync(id, It.IsAny<bool>(), It.IsAny<CancellationToken>())).ReturnsAsync(metadata);

    [Fact]
    public async Task Scheduling_passes_name_input_instance_id_and_start_time()
    {
        Existing("run-1", null);
        var startAt = Created.AddHours(1);
        var input = new DemoInput(Items: 3);
        _durable.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(
                It.Is<Dt.TaskName>(n => n.Name == DemoApprovalOrchestrator.Name), input,
                It.Is<Dt.StartOrchestrationOptions?>(o => o!.InstanceId == "run-1" && o.StartAt == startAt), It.IsAny<CancellationToken>()))
            .ReturnsAsync("run-1");

        var id = await Adapter().ScheduleNewOrchestrationInstanceAsync("demoapproval", input, new Ours.StartOrchestrationOptions("run-1", startAt));

        Assert.Equal("run-1", id);
    }

    [Fact]
    public async Task An_unknown_orchestrator_is_refused_before_anything_is_scheduled()
    {
        var error = await Assert.ThrowsAsync<Ours.UnknownTaskException>(() => Adapter().ScheduleNewOrchestrationInstanceAsync("NoSuchWorkflow"));

        Assert.Contains("NoSuchWorkflow", error.Message);
        Assert.Contains(DemoApprovalOrchestrator.Name, error.Message);
    }

    [Fact]
    public async Task An_input_the_orchestrator_cannot_read_is_refused()
    {
        using var document = JsonDocument.Parse("""{ "items": "many" }""");

        var error = await Assert.ThrowsAsync<Ours.InvalidPayloadException>(
            () => Adapter().ScheduleNewOrchestrationInstanceAsync(DemoApprovalOrchestrator.Name, document.RootElement.Clone()));

        Assert.Contains(DemoApprovalOrchestrator.Name, error.Message);
    }

    [Fact]
    public async Task An_instance_id_in_use_is_refused_as_on_the_embedded_engine()
    {
        Existing("run-1", Instance("run-1", Dtc.OrchestrationRuntimeStatus.Running));

        var error = await Assert.ThrowsAsync<Ours.InstanceAlreadyExistsException>(
            () => Adapter().ScheduleNewOrchestrationInstanceAsync(DemoApprovalOrchestrator.Name, null, new Ours.StartOrchestrationOptions("run-1")));

        Assert.Equal("run-1", error.InstanceId);
    }

    [Fact]
    public async Task Instance_metadata_maps_field_by_field()
    {
        var metadata = new Dtc.OrchestrationMetadata(DemoApprovalOrchestrator.Name, "run-1")
        {
            RuntimeStatus = Dtc.OrchestrationRuntimeStatus.Failed,
            CreatedAt = Created,
            LastUpdatedAt = Created.AddMinutes(2),
            SerializedInput = """{"items":3}""",
            SerializedOutput = null,
            SerializedCustomStatus = """{"step":"fan-out"}""",
            FailureDetails = new Dt.TaskFailureDetails("System.Exception", "boom", null, null),
        };
        _durable.Setup(c => c.GetInstanceAsync("run-1", true, It.IsAny<CancellationToken>())).ReturnsAsync(metadata);

        var mapped = await Adapter().GetInstanceAsync("run-1");

        Assert.NotNull(mapped);
        Assert.Equal("run-1", mapped!.InstanceId);
        Assert.Equal(DemoApprovalOrchestrator.Name, mapped.Name);
        Assert.Equal(Ours.OrchestrationRuntimeStatus.Failed, mapped.RuntimeStatus);
        Assert.Equal(Created.UtcDateTime, mapped.CreatedAt);
        Assert.Equal(DateTimeKind.Utc, mapped.CreatedAt.Kind);
        Assert.Equal(Created.AddMinutes(2).UtcDateTime, mapped.LastUpdatedAt);
        Assert.Equal(3, mapped.ReadInputAs<DemoInput>()!.Items);
        Assert.Equal("fan-out", mapped.ReadCustomStatusAs<Serverless.Workflows.Common.WorkflowStatus>()!.Step);
        Assert.Equal("boom", mapped.FailureDetails!.ErrorMessage);
    }

    [Fact]
    public async Task An_unknown_instance_reads_as_null()
    {
        Existing("nope", null);
        Assert.Null(await Adapter().GetInstanceAsync("nope"));
    }

    [Fact]
    public async Task Events_go_to_running_instances_and_are_refused_for_unknown_or_finished_ones()
    {
        Existing("running", Instance("running", Dtc.OrchestrationRuntimeStatus.Running));
        Existing("done", Instance("done", Dtc.OrchestrationRuntimeStatus.Completed));
        Existing("nope", null);
        _durable.Setup(c => c.RaiseEventAsync("running", "Approval", "yes", It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        var adapter = Adapter();

        await adapter.RaiseEventAsync("running", "Approval", "yes");
        await Assert.ThrowsAsync<Ours.InstanceStateException>(() => adapter.RaiseEventAsync("done", "Approval", "yes"));
        await Assert.ThrowsAsync<Ours.InstanceNotFoundException>(() => adapter.RaiseEventAsync("nope", "Approval", "yes"));

        _durable.Verify(c => c.RaiseEventAsync("running", "Approval", "yes", It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Terminate_suspend_and_resume_pass_through_for_a_running_instance()
    {
        Existing("running", Instance("running", Dtc.OrchestrationRuntimeStatus.Running));
        _durable.Setup(c => c.TerminateInstanceAsync("running", (object?)"stop", It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        _durable.Setup(c => c.SuspendInstanceAsync("running", "pause", It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        _durable.Setup(c => c.ResumeInstanceAsync("running", "go", It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        var adapter = Adapter();

        await adapter.TerminateInstanceAsync("running", "stop");
        await adapter.SuspendInstanceAsync("running", "pause");
        await adapter.ResumeInstanceAsync("running", "go");

        _durable.Verify(c => c.TerminateInstanceAsync("running", (object?)"stop", It.IsAny<CancellationToken>()), Times.Once);
        _durable.Verify(c => c.SuspendInstanceAsync("running", "pause", It.IsAny<CancellationToken>()), Times.Once);
        _durable.Verify(c => c.ResumeInstanceAsync("running", "go", It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Terminating_a_finished_instance_is_a_state_error()
    {
        Existing("done", Instance("done", Dtc.OrchestrationRuntimeStatus.Terminated));

        var error = await Assert.ThrowsAsync<Ours.InstanceStateException>(() => Adapter().TerminateInstanceAsync("done"));

        Assert.Equal(Ours.OrchestrationRuntimeStatus.Terminated, error.Status);
    }

    [Fact]
    public async Task Purge_deletes_finished_instances_only()
    {
        Existing("done", Instance("done", Dtc.OrchestrationRuntimeStatus.Completed));
        Existing("running", Instance("running", Dtc.OrchestrationRuntimeStatus.Running));
        Existing("nope", null);
        _durable.Setup(c => c.PurgeInstanceAsync("done", It.IsAny<CancellationToken>())).ReturnsAsync(new Dtc.PurgeResult(1));
        var adapter = Adapter();

        Assert.Equal(1, (await adapter.PurgeInstanceAsync("done")).PurgedInstanceCount);
        Assert.Equal(0, (await adapter.PurgeInstanceAsync("nope")).PurgedInstanceCount);
        await Assert.ThrowsAsync<Ours.InstanceStateException>(() => adapter.PurgeInstanceAsync("running"));
    }

    [Fact]
    public async Task Waiting_for_completion_maps_the_final_state()
    {
        Existing("run-1", Instance("run-1", Dtc.OrchestrationRuntimeStatus.Running));
        _durable.Setup(c => c.WaitForInstanceCompletionAsync("run-1", true, It.IsAny<CancellationToken>()))
            .ReturnsAsync(Instance("run-1", Dtc.OrchestrationRuntimeStatus.Completed));

        var final = await Adapter().WaitForInstanceCompletionAsync("run-1");

        Assert.Equal(Ours.OrchestrationRuntimeStatus.Completed, final.RuntimeStatus);
    }

    [Fact]
    public async Task A_query_maps_its_filter_and_applies_the_name_to_the_page()
    {
        Dtc.OrchestrationQuery? seen = null;
        var page = new Dt.Page<Dtc.OrchestrationMetadata>(
            [Instance("a", Dtc.OrchestrationRuntimeStatus.Running), Instance("b", Dtc.OrchestrationRuntimeStatus.Running, name: "WeeklyForecast")],
            "next-page");
        _durable.Setup(c => c.GetAllInstancesAsync(It.IsAny<Dtc.OrchestrationQuery?>()))
            .Callback((Dtc.OrchestrationQuery? q) => seen = q)
            .Returns(new Pages(page));
        var from = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        var result = await Adapter().QueryInstancesAsync(new Ours.OrchestrationQuery(
            Statuses: [Ours.OrchestrationRuntimeStatus.Running, Ours.OrchestrationRuntimeStatus.Suspended],
            Name: "weeklyforecast", CreatedFrom: from, InstanceIdPrefix: "b", PageSize: 50, ContinuationToken: "this-page"));

        Assert.Equal(["b"], result.Instances.Select(i => i.InstanceId));
        Assert.Equal("next-page", result.ContinuationToken);
        Assert.NotNull(seen);
        Assert.Equal([Dtc.OrchestrationRuntimeStatus.Running, Dtc.OrchestrationRuntimeStatus.Suspended], seen!.Statuses!);
        Assert.Equal(new DateTimeOffset(from), seen.CreatedFrom);
        Assert.Null(seen.CreatedTo);
        Assert.Equal("b", seen.InstanceIdPrefix);
        Assert.Equal(50, seen.PageSize);
        Assert.Equal("this-page", seen.ContinuationToken);
    }

    [Fact]
    public async Task History_is_not_available_and_says_where_to_look()
    {
        var error = await Assert.ThrowsAsync<NotSupportedException>(() => Adapter().GetHistoryAsync("run-1"));
        Assert.Contains("Application Insights", error.Message);
    }

    [Fact]
    public void Every_runtime_status_maps_both_ways_by_name()
    {
        foreach (var status in Enum.GetValues<Ours.OrchestrationRuntimeStatus>())
        {
            Assert.Equal(status, DurableClientAdapter.Map(DurableClientAdapter.Map(status)));
        }
        Assert.Equal(Enum.GetNames<Ours.OrchestrationRuntimeStatus>().Order(), Enum.GetNames<Dtc.OrchestrationRuntimeStatus>().Order());
    }

    private sealed class Pages(params Dt.Page<Dtc.OrchestrationMetadata>[] pages) : Dt.AsyncPageable<Dtc.OrchestrationMetadata>
    {
        public override async IAsyncEnumerable<Dt.Page<Dtc.OrchestrationMetadata>> AsPages(string? continuationToken = null, int? pageSizeHint = null)
        {
            foreach (var page in pages)
            {
                await Task.Yield();
                yield return page;
            }
        }
    }
}
