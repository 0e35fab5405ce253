using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Serverless.Hosting.Api.Recommendations;

internal static class RecommendationsRoutes
{
    private static readonly RecommendationsHandlers Handlers = new();

    /// <summary>Maps <c>/recommendations</c> onto the <c>/api</c> group.</summary>
    internal static RouteGroupBuilder MapRecommendationsRoutes(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/recommendations").WithTags("Recommendations");
        group.MapGet("", (HttpRequest request) => Handlers.ListServicesAsync(request));
        group.MapGet("/{service}", (HttpRequest request, string service) => Handlers.GetServiceAsync(request, service));
        group.MapGet("/{service}/users/{user}", (HttpRequest request, string service, string user) => Handlers.GetUserListAsync(request, service, user));
        group.MapGet("/{service}/items/{item}", (HttpRequest request, string service, string item) => Handlers.GetItemListAsync(request, service, item));
        return api;
    }
}
