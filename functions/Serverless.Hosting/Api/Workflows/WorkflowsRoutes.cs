using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Serverless.Hosting.Security;

namespace Serverless.Hosting.Api.Workflows;

internal static class WorkflowsRoutes
{
    private static readonly WorkflowsHandlers Handlers = new();

    /// <summary>
    /// Maps <c>/workflows</c> onto the <c>/api</c> group; every route takes only the request and route values. Reading
    /// and starting a public workflow need a function key; steering an instance needs the admin key.
    /// </summary>
    internal static RouteGroupBuilder MapWorkflowsRoutes(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/workflows").WithTags("Workflows");
        group.MapGet("", (HttpRequest request) => Handlers.ListAsync(request));
        group.MapPost("/{name}", (HttpRequest request, string name) => Handlers.StartAsync(request, name));
        group.MapGet("/{id}", (HttpRequest request, string id) => Handlers.GetStatusAsync(request, id));
        group.MapDelete("/{id}", (HttpRequest request, string id) => Handlers.PurgeAsync(request, id)).RequireAdminKey();
        group.MapGet("/{id}/history", (HttpRequest request, string id) => Handlers.GetHistoryAsync(request, id));
        group.MapPost("/{id}/events/{eventName}", (HttpRequest request, string id, string eventName) => Handlers.RaiseEventAsync(request, id, eventName)).RequireAdminKey();
        group.MapPost("/{id}/terminate", (HttpRequest request, string id) => Handlers.TerminateAsync(request, id)).RequireAdminKey();
        group.MapPost("/{id}/suspend", (HttpRequest request, string id) => Handlers.SuspendAsync(request, id)).RequireAdminKey();
        group.MapPost("/{id}/resume", (HttpRequest request, string id) => Handlers.ResumeAsync(request, id)).RequireAdminKey();
        return api;
    }
}
