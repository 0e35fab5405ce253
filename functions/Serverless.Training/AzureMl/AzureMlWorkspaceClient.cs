using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Serverless.Training.Contract;

namespace Serverless.Training.AzureMl;

/// <summary>
/// Requests to one Azure ML workspace's ARM REST API (jobs, environments, datastores) through an
/// Azure.Core pipeline with a bearer token and the <see cref="RetryAfterPolicy"/>, and the errors its
/// answers turn into: 401/403 name the calling identity and the scope, 429 carries <c>Retry-After</c>.
/// </summary>
internal sealed class AzureMlWorkspaceClient
{
    private readonly TimeProvider _clock;

    public AzureMlWorkspaceClient(AzureMlTrainingOptions options, TokenCredential credential, AzureMlClientOptions client)
    {
        Options = options;
        _clock = client.Clock;
        client.RetryPolicy = new RetryAfterPolicy(client.Retry.MaxRetries, client.Retry.Delay, client.Retry.MaxDelay,
            client.MaxTotalRetryDelay, client.RetryDelay, client.Clock);
        Pipeline = HttpPipelineBuilder.Build(client, [], [new BearerTokenAuthenticationPolicy(credential, options.TokenScope)], null);
    }

    public AzureMlTrainingOptions Options { get; }

    public HttpPipeline Pipeline { get; }

    /// <summary>Who the requests run as, for error messages.</summary>
    public string Caller => Options.ManagedIdentityClientId is { } clientId
        ? $"the managed identity with client id {clientId}"
        : "the host's Azure credential (DefaultAzureCredential; set Serverless:Training:AzureMl:ManagedIdentityClientId to name a managed identity)";

    /// <summary>The workspace's ARM id, as error messages name the scope of a role.</summary>
    public string WorkspaceScope => $"Azure ML workspace '{Options.Workspace}' ({Options.WorkspaceId})";

    /// <summary>A resource under the workspace, for example <c>jobs/NAME</c> or <c>datastores/NAME</c>, with the API version.</summary>
    public Uri WorkspaceUri(params string[] segments) => new(
        Options.Endpoint.AbsoluteUri.TrimEnd('/')
        + $"/subscriptions/{Uri.EscapeDataString(Options.SubscriptionId)}"
        + $"/resourceGroups/{Uri.EscapeDataString(Options.ResourceGroup)}"
        + $"/providers/Microsoft.MachineLearningServices/workspaces/{Uri.EscapeDataString(Options.Workspace)}"
        + string.Concat(segments.Select(s => "/" + Uri.EscapeDataString(s)))
        + $"?api-version={Uri.EscapeDataString(Options.ApiVersion)}");

    /// <param name="subject">The job the call is about, named in errors.</param>
    /// <param name="operation">What the call does, named in errors ("Submitting", "Reading datastore 'x'", ...).</param>
    public async Task<ServiceResponse> SendAsync(RequestMethod method, Uri uri, BinaryData? body, string subject, string operation, CancellationToken cancellationToken)
    {
        using var message = Pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri.Reset(uri);
        message.Request.Headers.Add("Accept", "application/json");
        if (body is not null)
        {
            message.Request.Headers.Add("Content-Type", "application/json");
            message.Request.Content = RequestContent.Create(body);
        }

        try
        {
            await Pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex)
        {
            throw new TrainingServiceException(subject, operation, ex.Status, ex.ErrorCode, ex.Message, ex);
        }

        var response = message.Response;
        response.Headers.TryGetValue("x-ms-request-id", out var requestId);
        return new ServiceResponse(response.Status, response.Content, requestId, RetryAfterPolicy.ServerDelay(response, _clock));
    }

    /// <summary>
    /// The error an unexpected answer stands for: access refused names the identity and the scope it needs
    /// a role on (never retried); anything else is a service error, with the wait the service asked for.
    /// </summary>
    public TrainingJobException Failure(ServiceResponse response, string subject, string operation, string? scope = null)
    {
        var (code, message) = ReadError(response);
        if (response.RequestId is not null) message += $" (x-ms-request-id {response.RequestId})";
        return response.Status is 401 or 403
            ? new TrainingAccessDeniedException(subject, operation, response.Status, code, Caller, scope ?? WorkspaceScope, message)
            : new TrainingServiceException(subject, operation, response.Status, code, message, retryAfter: response.RetryAfter);
    }

    /// <summary>ARM's error code and message; the raw text (capped) when the body is not ARM's error shape.</summary>
    public static (string? Code, string Message) ReadError(ServiceResponse response)
    {
        var text = response.Content.ToString();
        try
        {
            var error = JsonSerializer.Deserialize(text, AzureMlJson.Default.ArmErrorResponse)?.Error;
            if (error?.Message is { Length: > 0 } message)
            {
                var details = error.Details?.Select(d => d.Message).Where(m => !string.IsNullOrWhiteSpace(m) && m != message).ToList() ?? [];
                return (error.Code, details.Count == 0 ? message : $"{message} ({string.Join("; ", details)})");
            }
        }
        catch (JsonException)
        {
            // Not ARM's error shape: the raw text below is the best message there is.
        }
        var raw = string.IsNullOrWhiteSpace(text) ? "(no body)" : text.Length > 2000 ? text[..2000] + "..." : text;
        return (null, raw);
    }

    /// <summary>Reads an answer's body as <typeparamref name="T"/>; a body that is not valid JSON is a service error naming where it broke.</summary>
    public static T Read<T>(ServiceResponse response, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string subject, string operation)
    {
        try
        {
            return JsonSerializer.Deserialize(response.Content.ToMemory().Span, type) ?? throw new JsonException("the body is null");
        }
        catch (JsonException ex)
        {
            throw new TrainingServiceException(subject, operation, response.Status, null,
                $"the answer is not valid JSON (line {ex.LineNumber + 1}, path {ex.Path ?? "$"}): {ex.Message}", ex);
        }
    }
}

/// <summary>One answer of the workspace API.</summary>
internal sealed record ServiceResponse(int Status, BinaryData Content, string? RequestId, TimeSpan? RetryAfter);
