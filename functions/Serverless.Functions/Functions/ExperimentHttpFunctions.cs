using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Serverless.Functions.Runtime;
using Serverless.Hosting.Api.Events;
using Serverless.Hosting.Api.Experiments;

namespace Serverless.Functions.Functions;

/// <summary>
/// <c>/api/experiments</c> (definitions, figures, assignment) and <c>/api/events</c> (a batch over HTTP, the same
/// ingestion as the Event Hubs trigger), through the shared handlers.
/// </summary>
public sealed class ExperimentHttpFunctions
{
    private static readonly ExperimentsHandlers Experiments = new();
    private static readonly EventsHandlers Events = new();

    [Function("ExperimentsList")]
    public Task<IActionResult> List(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "experiments")] HttpRequest request) =>
        ShellHttp.RunAsync(request, () => Experiments.ListAsync(request));

    [Function("ExperimentsGet")]
    public Task<IActionResult> Get(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "experiments/{id}")] HttpRequest request, string id) =>
        ShellHttp.RunAsync(request, () => Experiments.GetAsync(request, id));

    [Function("ExperimentsPut")]
    public Task<IActionResult> Put(
        [HttpTrigger(AuthorizationLevel.Admin, "put", Route = "experiments/{id}")] HttpRequest request, string id) =>
        ShellHttp.RunAsync(request, () => Experiments.PutAsync(request, id));

    [Function("ExperimentsRecompute")]
    public Task<IActionResult> Recompute(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "experiments/{id}/recompute")] HttpRequest request, string id) =>
        ShellHttp.RunAsync(request, () => Experiments.RecomputeAsync(request, id));

    [Function("ExperimentsAssignment")]
    public Task<IActionResult> Assignment(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "experiments/{id}/assignment")] HttpRequest request, string id) =>
        ShellHttp.RunAsync(request, () => Experiments.AssignAsync(request, id));

    [Function("EventsPost")]
    public Task<IActionResult> PostEvents(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "events")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        ShellHttp.RunAsync(request, client, () => Events.PostAsync(request));
}
