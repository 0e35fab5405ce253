using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Serverless.Functions.Runtime;
using Serverless.Workflows.Demo;

namespace Serverless.Functions.Functions;

/// <summary>The demo approval workflow (fan-out, durable timer, approval with a deadline).</summary>
public sealed class DemoFunctions(WorkflowRunner runner)
{
    [Function(DemoApprovalOrchestrator.Name)]
    public Task<DemoResult> DemoApproval([OrchestrationTrigger] TaskOrchestrationContext context) =>
        runner.RunOrchestratorAsync<DemoInput, DemoResult>(DemoApprovalOrchestrator.Name, context);

    [Function(DemoSquareActivity.Name)]
    public Task<long> DemoSquare([ActivityTrigger] int input, FunctionContext context) =>
        runner.RunActivityAsync<int, long>(DemoSquareActivity.Name, input, context);

    [Function(DemoPublishActivity.Name)]
    public Task<bool> DemoPublish([ActivityTrigger] long input, FunctionContext context) =>
        runner.RunActivityAsync<long, bool>(DemoPublishActivity.Name, input, context);
}
