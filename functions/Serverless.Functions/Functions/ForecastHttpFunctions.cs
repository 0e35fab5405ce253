using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Serverless.Functions.Runtime;
using Serverless.Hosting.Api.Forecasts;

namespace Serverless.Functions.Functions;

/// <summary><c>/api/forecasts</c>: the weekly forecast review package and the reviewer's decision (shared handlers).</summary>
public sealed class ForecastHttpFunctions
{
    private static readonly ForecastsHandlers Handlers = new();

    [Function("ForecastsGetReview")]
    public Task<IActionResult> GetReview(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "forecasts/{instanceId}/review")] HttpRequest request,
        [DurableClient] DurableTaskClient client, string instanceId) =>
        ShellHttp.RunAsync(request, client, () => Handlers.GetReviewAsync(request, instanceId));

    [Function("ForecastsSubmitReview")]
    public Task<IActionResult> SubmitReview(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "forecasts/{instanceId}/review")] HttpRequest request,
        [DurableClient] DurableTaskClient client, string instanceId) =>
        ShellHttp.RunAsync(request, client, () => Handlers.SubmitReviewAsync(request, instanceId));
}
