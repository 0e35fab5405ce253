using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Storage.Blobs;
using Serverless.Workflows.Common;
using Serverless.Workflows.Forecasting;

namespace Serverless.Hosting.Api.Forecasts;

/// <summary>
/// The weekly forecast review over HTTP: the review package of a waiting <c>WeeklyForecast</c> instance,
/// and the reviewer's decision, checked before it is raised as <c>ForecastReviewed</c>. The local host maps
/// these onto <c>/api/forecasts</c>; the Azure Functions shell calls the same methods.
/// </summary>
public sealed class ForecastsHandlers
{
    /// <summary>
    /// <c>GET /api/forecasts/{instanceId}/review</c>: the package (flags, and per series the last 28 days,
    /// the forecast and the orders); 404 when the instance has none, 409 when it no longer waits for a decision.
    /// </summary>
    public async Task<IResult> GetReviewAsync(HttpRequest request, string instanceId)
    {
        ArgumentNullException.ThrowIfNull(request);
        var cancellationToken = request.HttpContext.RequestAborted;
        var (pointer, problem) = await FindWaitingReviewAsync(request, instanceId, cancellationToken).ConfigureAwait(false);
        if (problem is not null) return problem;
        var blobs = request.HttpContext.RequestServices.GetRequiredService<IBlobStore>();
        var package = await ForecastArtifacts.ReadJsonAsync<ForecastReviewPackage>(blobs, pointer!.PackagePath, cancellationToken).ConfigureAwait(false);
        return ApiResults.Json(package with { InstanceId = instanceId, Deadline = DateTime.SpecifyKind(pointer.Deadline, DateTimeKind.Utc) });
    }

    /// <summary>
    /// <c>POST /api/forecasts/{instanceId}/review</c> with the <c>ForecastReviewed</c> payload
    /// (<c>{ "decision": "approve" | "adjust" | "reject", "reviewer", "comment", "adjustments": [ { "store", "item", "weekUnits" } ] }</c>):
    /// 202 when raised; 400 for bad JSON, an unknown decision, store or item; 404 / 409 as for GET.
    /// </summary>
    public async Task<IResult> SubmitReviewAsync(HttpRequest request, string instanceId)
    {
        ArgumentNullException.ThrowIfNull(request);
        var cancellationToken = request.HttpContext.RequestAborted;
        var body = await ApiResults.ReadJsonBodyAsync(request, cancellationToken).ConfigureAwait(false);
        if (body.Error is not null) return body.Error;
        if (body.Value is not { ValueKind: JsonValueKind.Object } json) return ApiResults.BadRequest("The body must be a JSON object with a 'decision'.");
        ForecastReviewDecision? decision;
        try
        {
            decision = json.Deserialize<ForecastReviewDecision>(ApiResults.JsonOptions);
        }
        catch (JsonException ex)
        {
            return ApiResults.BadRequest($"The decision does not have the expected shape: {ex.Message}");
        }
        if (decision is null) return ApiResults.BadRequest("The body must be a JSON object with a 'decision'.");
        var (pointer, problem) = await FindWaitingReviewAsync(request, instanceId, cancellationToken).ConfigureAwait(false);
        if (problem is not null) return problem;
        var blobs = request.HttpContext.RequestServices.GetRequiredService<IBlobStore>();
        var problems = await ForecastDecisions.ValidateAsync(blobs, pointer!.Stores, decision, cancellationToken).ConfigureAwait(false);
        if (problems.Count > 0) return ApiResults.BadRequest(string.Join("; ", problems));
        var client = request.DurableClient();
        await client.RaiseEventAsync(instanceId, WeeklyForecastOrchestrator.ReviewEvent, decision, cancellationToken).ConfigureAwait(false);
        return ApiResults.Json(new { instanceId, eventName = WeeklyForecastOrchestrator.ReviewEvent, decision = decision.Decision }, StatusCodes.Status202Accepted);
    }

    private static async Task<(ForecastReviewPointer? Pointer, IResult? Problem)> FindWaitingReviewAsync(HttpRequest request, string instanceId, CancellationToken cancellationToken)
    {
        if (Workflows.WorkflowsHandlers.InvalidId(instanceId) is { } invalid) return (null, invalid);
        var services = request.HttpContext.RequestServices;
        var client = request.DurableClient();
        var metadata = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken).ConfigureAwait(false);
        if (metadata is null) return (null, ApiResults.NotFound($"No workflow instance '{instanceId}'."));
        if (!string.Equals(metadata.Name, WeeklyForecastOrchestrator.Name, StringComparison.OrdinalIgnoreCase))
            return (null, ApiResults.NotFound($"Instance '{instanceId}' is a {metadata.Name}, not a {WeeklyForecastOrchestrator.Name}; it has no forecast review."));
        var blobs = services.GetRequiredService<IBlobStore>();
        var path = ForecastArtifacts.ReviewPointer(instanceId);
        if (!await blobs.ExistsAsync(path, cancellationToken).ConfigureAwait(false))
            return (null, ApiResults.NotFound($"Instance '{instanceId}' has no review package (it has not reached the review step{(metadata.RuntimeStatus.IsTerminal() ? $" and is {metadata.RuntimeStatus}" : " yet")})."));
        WorkflowStatus? status = null;
        try
        {
            status = metadata.ReadCustomStatusAs<WorkflowStatus>();
        }
        catch (JsonException)
        {
            status = null;
        }
        if (metadata.RuntimeStatus.IsTerminal() || status?.WaitingFor != WeeklyForecastOrchestrator.ReviewEvent)
            return (null, ApiResults.Conflict($"Instance '{instanceId}' is no longer waiting for a review: it is {metadata.RuntimeStatus}, step '{status?.Step ?? "unknown"}'."));
        var pointer = await ForecastArtifacts.ReadJsonAsync<ForecastReviewPointer>(blobs, path, cancellationToken).ConfigureAwait(false);
        return (pointer, null);
    }
}
