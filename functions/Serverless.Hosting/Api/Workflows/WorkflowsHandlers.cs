using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Workflows;

namespace Serverless.Hosting.Api.Workflows;

/// <summary>
/// Manual runs over HTTP, the way Durable Functions' HTTP API offers them: start an instance (202 with the
/// check-status URLs), read its status and history, list instances, raise events, terminate, suspend,
/// resume and purge. The local host maps these onto <c>/api/workflows</c>; the Azure Functions shell calls
/// the same methods from its HTTP triggers.
/// </summary>
public sealed class WorkflowsHandlers
{
    /// <summary>Longest event data shown per history event; the full payloads stay in the engine.</summary>
    internal const int MaxEventDataChars = 2000;

    /// <summary>
    /// <c>POST /api/workflows/{name}[?instanceId=]</c>, body = the input as JSON (empty for the workflow's defaults).
    /// Only the public entry points (<see cref="WorkflowEntryPoints"/>) start here, each with the input it declares:
    /// a workflow that runs only as a step of another (TrainingJob) is 403, an unknown one 400.
    /// </summary>
    public async Task<IResult> StartAsync(HttpRequest request, string name)
    {
        ArgumentNullException.ThrowIfNull(request);
        WorkflowEntryPoint entry;
        try
        {
            entry = WorkflowEntryPoints.Require(name);
        }
        catch (WorkflowNotStartableException ex)
        {
            return ex.IsRegistered ? ApiResults.Error(StatusCodes.Status403Forbidden, ex.Message) : ApiResults.BadRequest(ex.Message);
        }
        var requestedId = request.Query["instanceId"].ToString();
        if (requestedId.Length > 0 && WorkflowInstanceIds.Explain(requestedId, forNewInstance: true) is { } idProblem)
        {
            return ApiResults.BadRequest($"The instance id '{WorkflowInstanceIds.Shown(requestedId)}' is not valid: {idProblem}.");
        }
        var body = await ApiResults.ReadJsonBodyAsync(request, request.HttpContext.RequestAborted).ConfigureAwait(false);
        if (body.Error is not null) return body.Error;
        return await GuardAsync(async () =>
        {
            var input = entry.ReadInput(body.Value);
            var instanceId = await Client(request).ScheduleNewOrchestrationInstanceAsync(entry.Name, input,
                new StartOrchestrationOptions(requestedId.Length == 0 ? null : requestedId),
                request.HttpContext.RequestAborted).ConfigureAwait(false);
            var links = CheckStatusLinks.For(request, instanceId);
            return new CheckStatusResult(links);
        }).ConfigureAwait(false);
    }

    /// <summary><c>GET /api/workflows/{id}</c>: status, custom status, input, output and failure.</summary>
    public async Task<IResult> GetStatusAsync(HttpRequest request, string instanceId)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (InvalidId(instanceId) is { } invalid) return invalid;
        return await GuardAsync(async () =>
        {
            var metadata = await Client(request).GetInstanceAsync(instanceId, getInputsAndOutputs: true, request.HttpContext.RequestAborted)
                .ConfigureAwait(false) ?? throw new InstanceNotFoundException(instanceId);
            return ApiResults.Json(WorkflowStatusResponse.From(metadata, includePayloads: true));
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>GET /api/workflows?status=Running,Completed&amp;name=&amp;from=&amp;to=&amp;top=&amp;continuationToken=</c>:
    /// instances, newest first, with their custom status.
    /// </summary>
    public async Task<IResult> ListAsync(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var statuses = new List<OrchestrationRuntimeStatus>();
        foreach (var value in request.Query["status"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!Enum.TryParse<OrchestrationRuntimeStatus>(value, ignoreCase: true, out var status) || int.TryParse(value, out _))
            {
                return ApiResults.BadRequest($"Unknown status '{value}' in the 'status' parameter. Known statuses: {string.Join(", ", Enum.GetNames<OrchestrationRuntimeStatus>())}.");
            }
            statuses.Add(status);
        }
        if (!TryParseTime(request, "from", out var from, out var error) || !TryParseTime(request, "to", out var to, out error)) return error!;
        var top = 100;
        var topText = request.Query["top"].ToString();
        if (topText.Length > 0 && (!int.TryParse(topText, NumberStyles.None, CultureInfo.InvariantCulture, out top) || top is < 1 or > 1000))
        {
            return ApiResults.BadRequest($"The 'top' parameter must be a whole number from 1 to 1000, not '{topText}'.");
        }
        var name = request.Query["name"].ToString();
        var token = request.Query["continuationToken"].ToString();
        var query = new OrchestrationQuery(
            Statuses: statuses.Count > 0 ? statuses : null,
            CreatedFrom: from is { } f ? new DateTimeOffset(f, TimeSpan.Zero) : null,
            CreatedTo: to is { } t ? new DateTimeOffset(t, TimeSpan.Zero) : null,
            PageSize: top,
            ContinuationToken: string.IsNullOrEmpty(token) ? null : token);
        return await GuardAsync(async () =>
        {
            var result = await Client(request).QueryInstancesAsync(query, request.HttpContext.RequestAborted).ConfigureAwait(false);
            // Durable Task's query has no name filter: the page is filtered here.
            var instances = string.IsNullOrWhiteSpace(name)
                ? result.Instances
                : result.Instances.Where(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase)).ToList();
            return ApiResults.Json(new WorkflowListResponse(
                instances.Select(m => WorkflowStatusResponse.From(m, includePayloads: false)).ToList(),
                result.ContinuationToken));
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>GET /api/workflows/{id}/history[?events=false]</c>: the timeline (steps) and the raw events, oldest first.
    /// 404 for an unknown instance; 501 where the engine's client keeps no history (Durable Functions on Azure).
    /// </summary>
    public async Task<IResult> GetHistoryAsync(HttpRequest request, string instanceId)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (InvalidId(instanceId) is { } invalid) return invalid;
        var withEvents = !string.Equals(request.Query["events"].ToString(), "false", StringComparison.OrdinalIgnoreCase);
        return await GuardAsync(async () =>
        {
            var client = Client(request);
            var metadata = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, request.HttpContext.RequestAborted)
                .ConfigureAwait(false) ?? throw new InstanceNotFoundException(instanceId);
            IReadOnlyList<OrchestrationHistoryEvent> history;
            try
            {
                history = await client.GetHistoryAsync(instanceId, request.HttpContext.RequestAborted).ConfigureAwait(false);
            }
            catch (NotSupportedException ex)
            {
                return ApiResults.Error(StatusCodes.Status501NotImplemented,
                    $"This host cannot show workflow history: {ex.Message} The instance's status is at GET /api/workflows/{instanceId}.");
            }
            var events = withEvents
                ? history.Select(e => e with { Data = Truncate(e.Data), Failure = e.Failure is null ? null : e.Failure with { StackTrace = null } }).ToList()
                : null;
            return ApiResults.Json(new WorkflowHistoryResponse(
                WorkflowStatusResponse.From(metadata, includePayloads: false), WorkflowTimeline.Build(history), events));
        }).ConfigureAwait(false);
    }

    /// <summary><c>POST /api/workflows/{id}/events/{event}</c>, body = the event payload as JSON.</summary>
    public async Task<IResult> RaiseEventAsync(HttpRequest request, string instanceId, string eventName)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (InvalidId(instanceId) is { } invalid) return invalid;
        var body = await ApiResults.ReadJsonBodyAsync(request, request.HttpContext.RequestAborted).ConfigureAwait(false);
        if (body.Error is not null) return body.Error;
        return await GuardAsync(async () =>
        {
            await Client(request).RaiseEventAsync(instanceId, eventName, body.Value, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return ApiResults.Json(new WorkflowActionResponse(instanceId, $"event '{eventName}' delivered"), StatusCodes.Status202Accepted);
        }).ConfigureAwait(false);
    }

    /// <summary><c>POST /api/workflows/{id}/terminate[?reason=]</c>.</summary>
    public Task<IResult> TerminateAsync(HttpRequest request, string instanceId) =>
        ActAsync(request, instanceId, (client, reason, ct) => client.TerminateInstanceAsync(instanceId, reason ?? "terminated over HTTP", ct), "terminate requested");

    /// <summary><c>POST /api/workflows/{id}/suspend[?reason=]</c>.</summary>
    public Task<IResult> SuspendAsync(HttpRequest request, string instanceId) =>
        ActAsync(request, instanceId, (client, reason, ct) => client.SuspendInstanceAsync(instanceId, reason, ct), "suspend requested");

    /// <summary><c>POST /api/workflows/{id}/resume[?reason=]</c>.</summary>
    public Task<IResult> ResumeAsync(HttpRequest request, string instanceId) =>
        ActAsync(request, instanceId, (client, reason, ct) => client.ResumeInstanceAsync(instanceId, reason, ct), "resume requested");

    /// <summary><c>DELETE /api/workflows/{id}</c>: deletes a finished instance and its history.</summary>
    public async Task<IResult> PurgeAsync(HttpRequest request, string instanceId)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (InvalidId(instanceId) is { } invalid) return invalid;
        return await GuardAsync(async () =>
        {
            var result = await Client(request).PurgeInstanceAsync(instanceId, request.HttpContext.RequestAborted).ConfigureAwait(false);
            if (result.PurgedInstanceCount == 0) throw new InstanceNotFoundException(instanceId);
            return ApiResults.Json(new WorkflowActionResponse(instanceId, "purged"));
        }).ConfigureAwait(false);
    }

    private static async Task<IResult> ActAsync(HttpRequest request, string instanceId,
        Func<DurableTaskClient, string?, CancellationToken, Task> act, string done)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (InvalidId(instanceId) is { } invalid) return invalid;
        var reason = request.Query["reason"].ToString();
        return await GuardAsync(async () =>
        {
            await act(Client(request), string.IsNullOrWhiteSpace(reason) ? null : reason, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return ApiResults.Json(new WorkflowActionResponse(instanceId, done), StatusCodes.Status202Accepted);
        }).ConfigureAwait(false);
    }

    /// <summary>400 for an id that breaks <see cref="WorkflowInstanceIds"/>, so no lookup is made with it.</summary>
    internal static IResult? InvalidId(string instanceId) =>
        WorkflowInstanceIds.Explain(instanceId) is { } problem
            ? ApiResults.BadRequest($"The instance id '{WorkflowInstanceIds.Shown(instanceId)}' is not valid: {problem}.")
            : null;

    private static DurableTaskClient Client(HttpRequest request) => request.DurableClient();

    /// <summary>Turns the engine's expected failures into 400, 404 and 409 with the engine's own message.</summary>
    private static async Task<IResult> GuardAsync(Func<Task<IResult>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (InstanceNotFoundException ex)
        {
            return ApiResults.NotFound(ex.Message);
        }
        catch (InstanceAlreadyExistsException ex)
        {
            return ApiResults.Conflict(ex.Message);
        }
        catch (InstanceStateException ex)
        {
            return ApiResults.Conflict(ex.Message);
        }
        catch (UnknownTaskException ex)
        {
            return ApiResults.BadRequest(ex.Message);
        }
        catch (ArgumentException ex)
        {
            // Invalid payloads and instance ids.
            return ApiResults.BadRequest(ex.Message);
        }
    }

    private static bool TryParseTime(HttpRequest request, string parameter, out DateTime? value, out IResult? error)
    {
        value = null;
        error = null;
        var text = request.Query[parameter].ToString();
        if (text.Length == 0) return true;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            value = parsed.UtcDateTime;
            return true;
        }
        error = ApiResults.BadRequest($"The '{parameter}' parameter must be a date or time such as 2025-04-07 or 2025-04-07T10:00:00Z, not '{text}'.");
        return false;
    }

    private static string? Truncate(string? data) =>
        data is { Length: > MaxEventDataChars } ? string.Concat(data.AsSpan(0, MaxEventDataChars), "…") : data;
}

/// <summary>The URLs of one instance, as Durable Functions' check-status response names them.</summary>
public sealed record CheckStatusLinks(
    string Id,
    string StatusQueryGetUri,
    string SendEventPostUri,
    string TerminatePostUri,
    string SuspendPostUri,
    string ResumePostUri,
    string PurgeHistoryDeleteUri)
{
    /// <summary>The links for <paramref name="instanceId"/> on the host that received <paramref name="request"/>.</summary>
    public static CheckStatusLinks For(HttpRequest request, string instanceId)
    {
        ArgumentNullException.ThrowIfNull(request);
        var root = $"{request.Scheme}://{request.Host}{request.PathBase}/api/workflows/{Uri.EscapeDataString(instanceId)}";
        return new CheckStatusLinks(instanceId, root, root + "/events/{eventName}", root + "/terminate?reason={text}",
            root + "/suspend?reason={text}", root + "/resume?reason={text}", root);
    }
}

/// <summary>202 Accepted with the check-status body and the status URL in the Location header.</summary>
internal sealed class CheckStatusResult(CheckStatusLinks links) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.Headers.Location = links.StatusQueryGetUri;
        return ApiResults.Json(links, StatusCodes.Status202Accepted).ExecuteAsync(httpContext);
    }
}

/// <summary>An instance's status as the HTTP API shows it; payloads are embedded as JSON values.</summary>
public sealed record WorkflowStatusResponse(
    string InstanceId,
    string Name,
    OrchestrationRuntimeStatus RuntimeStatus,
    DateTime CreatedTime,
    DateTime LastUpdatedTime,
    JsonElement? CustomStatus,
    JsonElement? Input,
    JsonElement? Output,
    WorkflowFailure? FailureDetails)
{
    public static WorkflowStatusResponse From(OrchestrationMetadata metadata, bool includePayloads)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return new WorkflowStatusResponse(metadata.InstanceId, metadata.Name, metadata.RuntimeStatus,
            metadata.CreatedAt.UtcDateTime, metadata.LastUpdatedAt.UtcDateTime,
            ApiResults.RawJson(metadata.SerializedCustomStatus),
            includePayloads ? ApiResults.RawJson(metadata.SerializedInput) : null,
            includePayloads ? ApiResults.RawJson(metadata.SerializedOutput) : null,
            metadata.FailureDetails is { } f ? new WorkflowFailure(f.ErrorType, f.ErrorMessage, f.RootMessage()) : null);
    }
}

/// <summary>A failure without its stack trace: the exception type, its message and the innermost message.</summary>
public sealed record WorkflowFailure(string ErrorType, string ErrorMessage, string RootMessage);

public sealed record WorkflowListResponse(IReadOnlyList<WorkflowStatusResponse> Instances, string? ContinuationToken);

public sealed record WorkflowHistoryResponse(WorkflowStatusResponse Instance, IReadOnlyList<TimelineStep> Steps,
    IReadOnlyList<OrchestrationHistoryEvent>? Events);

public sealed record WorkflowActionResponse(string InstanceId, string Result);
