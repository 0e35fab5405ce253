using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Serverless.Hosting.Security;

namespace Serverless.Hosting.Api.Experiments;

internal static class ExperimentsRoutes
{
    private static readonly ExperimentsHandlers Handlers = new();

    /// <summary>Maps <c>/experiments</c> onto the <c>/api</c> group.</summary>
    internal static RouteGroupBuilder MapExperimentsRoutes(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/experiments").WithTags("Experiments");
        group.MapGet("", (HttpRequest request) => Handlers.ListAsync(request));
        group.MapGet("/{id}", (HttpRequest request, string id) => Handlers.GetAsync(request, id));
        group.MapPut("/{id}", (HttpRequest request, string id) => Handlers.PutAsync(request, id)).RequireAdminKey();
        group.MapPost("/{id}/recompute", (HttpRequest request, string id) => Handlers.RecomputeAsync(request, id));
        group.MapGet("/{id}/assignment", (HttpRequest request, string id) => Handlers.AssignAsync(request, id));
        return api;
    }
}
