using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Serverless.Hosting.Api.Schedules;

internal static class SchedulesRoutes
{
    private static readonly SchedulesHandlers Handlers = new();

    /// <summary>Maps <c>/schedules</c> onto the <c>/api</c> group of the local host (the only host with these schedules).</summary>
    internal static RouteGroupBuilder MapSchedulesRoutes(this RouteGroupBuilder api)
    {
        api.MapGet("/schedules", (HttpRequest request) => Handlers.ListAsync(request)).WithTags("Schedules");
        return api;
    }
}
