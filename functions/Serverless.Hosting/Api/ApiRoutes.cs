using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Serverless.Hosting.Api.Forecasts;
using Serverless.Hosting.Api.Workflows;

namespace Serverless.Hosting.Api;

/// <summary>
/// Every route under <c>/api</c>. Each area maps its own routes onto the group; the group is where the
/// host applies function-key access control, so every area's routes need a key.
/// </summary>
public static class ApiRoutes
{
    public static RouteGroupBuilder MapServerlessApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api");
        // One line per area (workflows, forecasts, recommendations, experiments, events).
        api.MapWorkflowsRoutes();
        api.MapForecastsRoutes();
        Experiments.ExperimentsRoutes.MapExperimentsRoutes(api);
        Events.EventsRoutes.MapEventsRoutes(api);
        Recommendations.RecommendationsRoutes.MapRecommendationsRoutes(api);
        return api;
    }
}
