using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Serverless.Hosting.Api.Events;

internal static class EventsRoutes
{
    private static readonly EventsHandlers Handlers = new();

    /// <summary>Maps <c>POST /events</c> onto the <c>/api</c> group.</summary>
    internal static RouteGroupBuilder MapEventsRoutes(this RouteGroupBuilder api)
    {
        api.MapPost("/events", (HttpRequest request) => Handlers.PostAsync(request)).WithTags("Events")
            .WithMetadata(new RequestBodyLimit(ApiLimits.MaxEventBatchBytes));
        return api;
    }
}
