using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Moq;
using DurableTaskRegistry = Serverless.Durable.DurableTaskRegistry;
using IOrchestrationClient = Serverless.Durable.IOrchestrationClient;
using Serverless.Functions.Adapters;
using Serverless.Functions.Functions;
using Serverless.Functions.Runtime;
using Serverless.Workflows.Common;
using Serverless.Workflows.Demo;
using Dtc = Microsoft.DurableTask.Client;

namespace Serverless.Functions.CompileCheck;

/// <summary>
/// The shell's composition (Program.ConfigureServices) resolves what its functions need, and a function body
/// really runs the workflow step through the registry and the adapter.
/// </summary>
public sealed class CompositionTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("serverless-shell-").FullName;
    private readonly ServiceProvider _services;

    public CompositionTests()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>()).Build();
        var services = new ServiceCollection().AddLogging();
        Program.ConfigureServices(services, configuration, _directory);
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }

    public void Dispose()
    {
        _services.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void The_composition_resolves_the_registry_the_runner_and_the_worker_serializer()
    {
        var registry = _services.GetRequiredService<DurableTaskRegistry>();
        Assert.Contains(DemoApprovalOrchestrator.Name, registry.OrchestratorNames);
        Assert.Same(registry, _services.GetRequiredService<WorkflowRunner>().Registry);
        Assert.IsType<Azure.Core.Serialization.JsonObjectSerializer>(_services.GetRequiredService<IOptions<WorkerOptions>>().Value.Serializer);
    }

    [Fact]
    public void Without_a_bound_durable_client_the_request_client_says_what_is_missing()
    {
        using var scope = _services.CreateScope();
        var error = Assert.Throws<InvalidOperationException>(() => scope.ServiceProvider.GetRequiredService<IOrchestrationClient>());
        Assert.Contains("[DurableClient]", error.Message);
    }

    [Fact]
    public async Task An_http_function_gives_the_handler_its_durable_client_and_writes_the_handlers_result()
    {
        using var scope = _services.CreateScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        var durable = new Mock<Dtc.DurableTaskClient>(MockBehavior.Loose, "test").Object;
        IOrchestrationClient? seen = null;

        var action = await ShellHttp.RunAsync(context.Request, durable, () =>
        {
            seen = context.RequestServices.GetRequiredService<IOrchestrationClient>();
            return Task.FromResult(Results.StatusCode(StatusCodes.Status202Accepted));
        });
        await action.ExecuteResultAsync(new Microsoft.AspNetCore.Mvc.ActionContext { HttpContext = context });

        Assert.IsType<DurableClientAdapter>(seen);
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
    public async Task An_orchestrator_function_runs_the_workflow_over_the_durable_context()
    {
        var durable = new Mock<TaskOrchestrationContext>();
        var statuses = new List<WorkflowStatus>();
        durable.SetupGet(c => c.Name).Returns(new TaskName(DemoApprovalOrchestrator.Name));
        durable.SetupGet(c => c.CurrentUtcDateTime).Returns(new DateTime(2026, 1, 5, 0, 0, 0, DateTimeKind.Utc));
        durable.Setup(c => c.GetInput<DemoInput>()).Returns(new DemoInput(Items: 3, TimerSeconds: 1, ApprovalTimeoutMinutes: 5));
        durable.Setup(c => c.CallActivityAsync<long>(It.Is<TaskName>(n => n.Name == DemoSquareActivity.Name), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns((TaskName _, object? input, TaskOptions? _) => Task.FromResult((long)(int)input! * (int)input!));
        durable.Setup(c => c.CallActivityAsync<bool>(It.Is<TaskName>(n => n.Name == DemoPublishActivity.Name), 14L, It.IsAny<TaskOptions?>()))
            .ReturnsAsync(true);
        durable.Setup(c => c.CreateTimer(It.IsAny<TimeSpan>(), It.IsAny<CancellationToken>()))
            .Returns((TimeSpan delay, CancellationToken token) => delay == TimeSpan.FromMinutes(5) ? new TaskCompletionSource().Task : Task.CompletedTask);
        durable.Setup(c => c.WaitForExternalEvent<DemoApproval>(DemoApprovalOrchestrator.ApprovalEvent, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new DemoApproval(true, "ops"));
        durable.Setup(c => c.SetCustomStatus(It.IsAny<object?>())).Callback((object? s) => statuses.Add((WorkflowStatus)s!));
        var functions = ActivatorUtilities.CreateInstance<DemoFunctions>(_services);

        var result = await functions.DemoApproval(durable.Object);

        Assert.Equal(new DemoResult(14, "approved", "ops", true), result);
        Assert.Equal(["fan-out", "timer", "approval", "publish", "done"], statuses.Select(s => s.Step));
    }
}
