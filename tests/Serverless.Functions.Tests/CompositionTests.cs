using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Moq;
using Serverless.Functions.Functions;
using Serverless.Functions.Runtime;
using Serverless.Hosting.Api;
using Serverless.Workflows.Common;
using Serverless.Workflows.Demo;

namespace Serverless.Functions.Tests;

/// <summary>
/// The shell's composition (Program.ConfigureServices) resolves what its functions need, and a function body
/// really runs the workflow step on Durable's own context.
/// </summary>
public sealed class CompositionTests : IClassFixture<ShellServices>
{
    private static readonly DateTime Now = new(2026, 1, 5, 0, 0, 0, DateTimeKind.Utc);
    private readonly ServiceProvider _services;

    public CompositionTests(ShellServices shell) => _services = shell.Provider;

    [Fact]
    public void The_shell_traces_and_measures_the_application_through_OpenTelemetry()
    {
        var tracer = _services.GetService<OpenTelemetry.Trace.TracerProvider>();
        var meters = _services.GetService<OpenTelemetry.Metrics.MeterProvider>();

        Assert.NotNull(tracer);
        Assert.NotNull(meters);
        Assert.True(new System.Diagnostics.ActivitySource(Serverless.Storage.Notifications.NotificationTelemetry.SourceName).HasListeners());
    }

    [Fact]
    public void The_composition_resolves_the_registry_the_runner_and_the_worker_serializer()
    {
        Assert.Contains(DemoApprovalOrchestrator.Name, _services.GetRequiredService<WorkflowRunner>().OrchestratorNames);
        Assert.IsType<Azure.Core.Serialization.JsonObjectSerializer>(_services.GetRequiredService<IOptions<WorkerOptions>>().Value.Serializer);
    }

    [Fact]
    public void Without_a_bound_durable_client_the_request_client_says_what_is_missing()
    {
        using var scope = _services.CreateScope();
        var error = Assert.Throws<InvalidOperationException>(() => scope.ServiceProvider.GetRequiredService<IDurableClientAccessor>().Client);
        Assert.Contains("[DurableClient]", error.Message);
    }

    [Fact]
    public async Task The_bound_durable_client_is_not_a_service_so_the_request_scope_never_disposes_it()
    {
        var durable = new Mock<DurableTaskClient>(MockBehavior.Strict, "test");
        await using (var scope = _services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<OrchestrationClientScope>().Use(durable.Object);
            Assert.Same(durable.Object, scope.ServiceProvider.GetRequiredService<IDurableClientAccessor>().Client);
            Assert.Null(scope.ServiceProvider.GetService<DurableTaskClient>());
        }
        durable.Verify(c => c.DisposeAsync(), Times.Never);
    }

    [Fact]
    public async Task An_http_function_gives_the_handler_its_durable_client_and_writes_the_handlers_result()
    {
        using var scope = _services.CreateScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        var durable = new Mock<DurableTaskClient>(MockBehavior.Loose, "test").Object;
        DurableTaskClient? seen = null;

        var action = await ShellHttp.RunAsync(context.Request, durable, () =>
        {
            seen = context.Request.DurableClient();
            return Task.FromResult(Results.StatusCode(StatusCodes.Status202Accepted));
        });
        await action.ExecuteResultAsync(new Microsoft.AspNetCore.Mvc.ActionContext { HttpContext = context });

        Assert.Same(durable, seen);
        Assert.Equal(StatusCodes.Status202Accepted, context.Response.StatusCode);
    }

    [Fact]
    public async Task An_activity_function_runs_the_registered_activity()
    {
        var bindingData = new Dictionary<string, object?> { ["instanceId"] = "run-1" };
        var binding = new Mock<BindingContext>();
        binding.SetupGet(b => b.BindingData).Returns(bindingData);
        var function = new Mock<FunctionContext>();
        function.SetupGet(f => f.InstanceServices).Returns(_services);
        function.SetupGet(f => f.BindingContext).Returns(binding.Object);
        var functions = ActivatorUtilities.CreateInstance<DemoFunctions>(_services);

        Assert.Equal(81L, await functions.DemoSquare(9, function.Object));
        Assert.True(await functions.DemoPublish(81L, function.Object));
    }

    [Fact]
    public async Task An_orchestrator_function_runs_the_workflow_on_the_durable_context()
    {
        var durable = new Mock<TaskOrchestrationContext> { CallBase = true };
        var statuses = new List<WorkflowStatus>();
        var timers = new List<DateTime>();
        durable.SetupGet(c => c.Name).Returns(new TaskName(DemoApprovalOrchestrator.Name));
        durable.SetupGet(c => c.CurrentUtcDateTime).Returns(Now);
        durable.Setup(c => c.GetInput<DemoInput>()).Returns(new DemoInput(Items: 3, TimerSeconds: 1, ApprovalTimeoutMinutes: 5));
        durable.Setup(c => c.CallActivityAsync<long>(It.Is<TaskName>(n => n.Name == DemoSquareActivity.Name), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns((TaskName _, object? input, TaskOptions? _) => Task.FromResult((long)(int)input! * (int)input!));
        durable.Setup(c => c.CallActivityAsync<bool>(It.Is<TaskName>(n => n.Name == DemoPublishActivity.Name), 14L, It.IsAny<TaskOptions?>()))
            .ReturnsAsync(true);
        // The one-second timer fires; the approval's five-minute timeout never does, because the approval comes first.
        durable.Setup(c => c.CreateTimer(It.IsAny<DateTime>(), It.IsAny<CancellationToken>()))
            .Callback((DateTime fireAt, CancellationToken _) => timers.Add(fireAt))
            .Returns((DateTime fireAt, CancellationToken token) => fireAt == Now.AddMinutes(5) ? Task.Delay(Timeout.Infinite, token) : Task.CompletedTask);
        durable.Setup(c => c.WaitForExternalEvent<DemoApproval>(DemoApprovalOrchestrator.ApprovalEvent, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new DemoApproval(true, "ops"));
        durable.Setup(c => c.SetCustomStatus(It.IsAny<object?>())).Callback((object? s) => statuses.Add((WorkflowStatus)s!));
        var functions = ActivatorUtilities.CreateInstance<DemoFunctions>(_services);

        var result = await functions.DemoApproval(durable.Object);

        Assert.Equal(new DemoResult(14, "approved", "ops", true), result);
        Assert.Equal(["fan-out", "timer", "approval", "publish", "done"], statuses.Select(s => s.Step));
        Assert.Equal([Now.AddSeconds(1), Now.AddMinutes(5)], timers);
    }
}
