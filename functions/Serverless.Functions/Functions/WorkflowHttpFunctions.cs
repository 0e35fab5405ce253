using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Serverless.Functions.Runtime;
using Serverless.Hosting.Api.Workflows;

namespace Serverless.Functions.Functions;

/// <summary>
/// <c>/api/workflows</c>: the same routes as the local host, each calling the shared handler
/// (Serverless.Hosting/Api/Workflows/WorkflowsHandlers) with the function's Durable client. Reading and starting
/// need a function key (AuthorizationLevel.Function); steering an instance (purge, raise an event, terminate, suspend,
/// resume) needs the master key (AuthorizationLevel.Admin), as the same routes of the local host need its admin key.
/// </summary>
public sealed class WorkflowHttpFunctions
{
    private static readonly WorkflowsHandlers Handlers = new();

    [Function("WorkflowsList")]
    public Task<IActionResult> List(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "workflows")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        ShellHttp.RunAsync(request, client, () => Handlers.ListAsync(request));

    [Function("WorkflowsStart")]
    public Task<IActionResult> Start(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "workflows/{name}")] HttpRequest request,
        [DurableClient] DurableTaskClient client, string name) =>
        ShellHttp.RunAsync(request, client, () => Handlers.StartAsync(request, name));

    [Function("WorkflowsStatus")]
    public Task<IActionResult> Status(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "workflows/{id}")] HttpRequest request,
        [DurableClient] DurableTaskClient client, string id) =>
        ShellHttp.RunAsync(request, client, () => Handlers.GetStatusAsync(request, id));

    [Function("WorkflowsPurge")]
    public Task<IActionResult> Purge(
        [HttpTrigger(AuthorizationLevel.Admin, "delete", Route = "workflows/{id}")] HttpRequest request,
        [DurableClient] DurableTaskClient client, string id) =>
        ShellHttp.RunAsync(request, client, () => Handlers.PurgeAsync(request, id));

    [Function("WorkflowsHistory")]
    public Task<IActionResult> History(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "workflows/{id}/history")] HttpRequest request,
        [DurableClient] DurableTaskClient client, string id) =>
        ShellHttp.RunAsync(request, client, () => Handlers.GetHistoryAsync(request, id));

    [Function("WorkflowsRaiseEvent")]
    public Task<IActionResult> RaiseEvent(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "workflows/{id}/events/{eventName}")] HttpRequest request,
        [DurableClient] DurableTaskClient client, string id, string eventName) =>
        ShellHttp.RunAsync(request, client, () => Handlers.RaiseEventAsync(request, id, eventName));

    [Function("WorkflowsTerminate")]
    public Task<IActionResult> Terminate(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "workflows/{id}/terminate")] HttpRequest request,
        [DurableClient] DurableTaskClient client, string id) =>
        ShellHttp.RunAsync(request, client, () => Handlers.TerminateAsync(request, id));

    [Function("WorkflowsSuspend")]
    public Task<IActionResult> Suspend(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "workflows/{id}/suspend")] HttpRequest request,
        [DurableClient] DurableTaskClient client, string id) =>
        ShellHttp.RunAsync(request, client, () => Handlers.SuspendAsync(request, id));

    [Function("WorkflowsResume")]
    public Task<IActionResult> Resume(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "workflows/{id}/resume")] HttpRequest request,
        [DurableClient] DurableTaskClient client, string id) =>
        ShellHttp.RunAsync(request, client, () => Handlers.ResumeAsync(request, id));
}
