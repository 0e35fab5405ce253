using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Serverless.Hosting.Api.Forecasts;

internal static class ForecastsRoutes
{
    private static readonly ForecastsHandlers Handlers = new();

    /// <summary>Maps <c>/forecasts/{instanceId}/review</c> (GET the package, POST the decision) onto the <c>/api</c> group.</summary>
    internal static RouteGroupBuilder MapForecastsRoutes(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/forecasts").WithTags("Forecasts");
        group.MapGet("/{instanceId}/review", (HttpRequest request, string instanceId) => Handlers.GetReviewAsync(request, instanceId));
        group.MapPost("/{instanceId}/review", (HttpRequest request, string instanceId) => Handlers.SubmitReviewAsync(request, instanceId));
        return api;
    }
}
