using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.Functions.Runtime;
using Serverless.Hosting.Api.Recommendations;

namespace Serverless.Functions.Functions;

/// <summary><c>/api/recommendations</c>: the published lists in service, through the shared handlers.</summary>
public sealed class RecommendationHttpFunctions
{
    private static readonly RecommendationsHandlers Handlers = new();

    [Function("RecommendationsList")]
    public Task<IActionResult> ListServices(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "recommendations")] HttpRequest request) =>
        ShellHttp.RunAsync(request, () => Handlers.ListServicesAsync(request));

    [Function("RecommendationsService")]
    public Task<IActionResult> GetService(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "recommendations/{service}")] HttpRequest request, string service) =>
        ShellHttp.RunAsync(request, () => Handlers.GetServiceAsync(request, service));

    [Function("RecommendationsForUser")]
    public Task<IActionResult> GetUserList(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "recommendations/{service}/users/{user}")] HttpRequest request,
        string service, string user) =>
        ShellHttp.RunAsync(request, () => Handlers.GetUserListAsync(request, service, user));

    [Function("RecommendationsForItem")]
    public Task<IActionResult> GetItemList(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "recommendations/{service}/items/{item}")] HttpRequest request,
        string service, string item) =>
        ShellHttp.RunAsync(request, () => Handlers.GetItemListAsync(request, service, item));
}
