using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Training.Configuration;
using Serverless.Training.Contract;
using Serverless.Training.Validation;

namespace Serverless.Training.AzureMl;

/// <summary>
/// Runs training jobs as Azure Machine Learning Command jobs through the ARM REST API:
/// <c>PUT</c> creates the job, <c>GET</c> reads its status, <c>POST .../cancel</c> stops it.
/// Requests go through an Azure.Core pipeline with a bearer token for Azure Resource Manager.
/// </summary>
public sealed class AzureMlTrainingJobService : ITrainingJobService
{
    private static readonly int[] RejectionStatuses = [400, 404, 422];

    private readonly AzureMlTrainingOptions _options;
    private readonly HttpPipeline _pipeline;
    private readonly ITrainingArtifactReader? _artifactReader;
    private readonly ILogger _logger;

    public AzureMlTrainingJobService(AzureMlTrainingOptions options, TokenCredential credential,
        AzureMlClientOptions? clientOptions = null, ILogger<AzureMlTrainingJobService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(credential);
        var identityProblems = options.ValidateJobIdentity();
        if (identityProblems.Count > 0) throw new TrainingConfigurationException(identityProblems);
        _options = options;
        _logger = logger ?? NullLogger<AzureMlTrainingJobService>.Instance;

        var client = clientOptions ?? new AzureMlClientOptions();
        _artifactReader = client.ArtifactReader;
        client.RetryPolicy = new RetryAfterPolicy(client.Retry.MaxRetries, client.Retry.Delay, client.Retry.MaxDelay,
            client.MaxTotalRetryDelay, client.RetryDelay, client.Clock);
        _pipeline = HttpPipelineBuilder.Build(client, [], [new BearerTokenAuthenticationPolicy(credential, options.TokenScope)], null);
    }

    public Task<IReadOnlyList<TrainingJobProblem>> ValidateAsync(TrainingJobSpec spec, CancellationToken cancellationToken = default) =>
        Task.FromResult(Validate(spec));

    public async Task<TrainingJobState> SubmitAsync(TrainingJobSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ThrowIfBadName(spec.Name);

        // Submitting a name twice is a no-op: an existing job is reported, never re-created.
        var existing = await SendAsync(RequestMethod.Get, JobUri(spec.Name), null, spec.Name, "Reading", cancellationToken).ConfigureAwait(false);
        if (existing.Status == 200) return AzureMlJobMapping.ToState(spec.Name, ReadJob(existing, spec.Name));
        if (existing.Status != 404) throw Failure(existing, spec.Name, "Reading");

        var problems = Validate(spec);
        if (problems.Count > 0) throw new TrainingJobValidationException(spec.Name, problems);

        var body = BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(AzureMlJobMapping.ToResource(spec, _options), AzureMlJson.Default.JobResource));
        var created = await SendAsync(RequestMethod.Put, JobUri(spec.Name), body, spec.Name, "Submitting", cancellationToken).ConfigureAwait(false);
        switch (created.Status)
        {
            case 200 or 201:
                _logger.LogInformation("Submitted Azure ML job {JobName} to {Compute}", spec.Name, spec.Compute ?? _options.Compute);
                return AzureMlJobMapping.ToState(spec.Name, ReadJob(created, spec.Name));
            case 409:
                // Another caller created it between our read and our write: report that job.
                return await GetStatusAsync(spec.Name, cancellationToken).ConfigureAwait(false);
            case var status when RejectionStatuses.Contains(status):
                var (code, message) = ReadError(created);
                throw new TrainingJobRejectedException(spec.Name, status, code, message);
            default:
                throw Failure(created, spec.Name, "Submitting");
        }
    }

    public async Task<TrainingJobState> GetStatusAsync(string name, CancellationToken cancellationToken = default)
    {
        ThrowIfBadName(name);
        var response = await SendAsync(RequestMethod.Get, JobUri(name), null, name, "Reading", cancellationToken).ConfigureAwait(false);
        return response.Status switch
        {
            200 => AzureMlJobMapping.ToState(name, ReadJob(response, name)),
            404 => throw new TrainingJobNotFoundException(name, $"Azure ML workspace '{_options.Workspace}'"),
            _ => throw Failure(response, name, "Reading"),
        };
    }

    public async Task<TrainingJobState> CancelAsync(string name, CancellationToken cancellationToken = default)
    {
        var current = await GetStatusAsync(name, cancellationToken).ConfigureAwait(false);
        if (current.IsTerminal) return current;

        var response = await SendAsync(RequestMethod.Post, JobUri(name, "/cancel"), null, name, "Canceling", cancellationToken).ConfigureAwait(false);
        if (response.Status == 404) throw new TrainingJobNotFoundException(name, $"Azure ML workspace '{_options.Workspace}'");
        if (response.Status is not (200 or 202 or 204)) throw Failure(response, name, "Canceling");
        _logger.LogInformation("Requested cancellation of Azure ML job {JobName}", name);

        // The service cancels asynchronously; the caller keeps polling until the state is terminal.
        return await GetStatusAsync(name, cancellationToken).ConfigureAwait(false);
    }

    public async Task<TrainingJobOutputs> GetOutputsAsync(string name, CancellationToken cancellationToken = default)
    {
        ThrowIfBadName(name);
        var response = await SendAsync(RequestMethod.Get, JobUri(name), null, name, "Reading", cancellationToken).ConfigureAwait(false);
        if (response.Status == 404) throw new TrainingJobNotFoundException(name, $"Azure ML workspace '{_options.Workspace}'");
        if (response.Status != 200) throw Failure(response, name, "Reading");

        var job = ReadJob(response, name);
        var state = AzureMlJobMapping.ToState(name, job);
        if (state.Status != TrainingJobStatus.Completed)
        {
            throw new InvalidOperationException($"Training job '{name}' is {state.Status}; outputs are collected only from a Completed job.");
        }

        var outputs = (job.Properties?.Outputs ?? [])
            .Where(o => !string.IsNullOrEmpty(o.Value?.Uri))
            .ToDictionary(o => o.Key, o => o.Value.Uri!, StringComparer.Ordinal);

        string? metricsUri = null;
        string? metricsJson = null;
        if (job.Properties?.Properties?.TryGetValue(AzureMlJobMapping.MetricsOutputProperty, out var metricsOutput) == true
            && job.Properties.Outputs?.TryGetValue(metricsOutput, out var output) == true && !string.IsNullOrEmpty(output.Uri))
        {
            metricsUri = output.JobOutputType == "uri_file" ? output.Uri : output.Uri.TrimEnd('/') + "/" + TrainingJobOutputs.MetricsFileName;
            if (_artifactReader is not null) metricsJson = await _artifactReader.ReadTextAsync(metricsUri, cancellationToken).ConfigureAwait(false);
        }
        return new TrainingJobOutputs(name, outputs, metricsUri, metricsJson);
    }

    private IReadOnlyList<TrainingJobProblem> Validate(TrainingJobSpec spec)
    {
        var problems = TrainingJobSpecValidator.Validate(spec).ToList();

        var environment = spec.Environment ?? _options.Environment;
        if (string.IsNullOrWhiteSpace(environment))
        {
            problems.Add(new("environment", "is required: set it on the spec or configure a default Azure ML environment"));
        }
        else if (!environment.StartsWith("azureml:", StringComparison.OrdinalIgnoreCase) && !environment.StartsWith("/subscriptions/", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(new("environment", $"'{environment}' is not an Azure ML environment; use azureml:<name>:<version>, azureml://registries/... or an ARM id"));
        }

        if (string.IsNullOrWhiteSpace(spec.Compute ?? _options.Compute))
        {
            problems.Add(new("compute", "is required: set it on the spec or configure a default Azure ML compute cluster"));
        }

        foreach (var (field, uri) in DataUris(spec))
        {
            if (TrainingUri.IsFile(uri))
            {
                problems.Add(new(field, $"'{uri}' is on this machine, which Azure ML cannot read; upload it and pass an azureml:// or https:// URI"));
            }
        }
        return problems;
    }

    private static IEnumerable<(string Field, string Uri)> DataUris(TrainingJobSpec spec) =>
        (spec.Inputs ?? new Dictionary<string, TrainingJobInput>()).Select(p => ($"inputs.{p.Key}", p.Value?.Uri))
            .Concat((spec.Outputs ?? new Dictionary<string, TrainingJobOutput>()).Select(p => ($"outputs.{p.Key}", p.Value?.Uri)))
            .Where(p => !string.IsNullOrWhiteSpace(p.Item2))
            .Select(p => (p.Item1, p.Item2!));

    private static void ThrowIfBadName(string name)
    {
        if (TrainingJobName.Explain(name) is { } problem)
        {
            throw new TrainingJobValidationException(name ?? "", [new TrainingJobProblem("name", problem)]);
        }
    }

    private Uri JobUri(string name, string suffix = "") => new(
        _options.Endpoint.AbsoluteUri.TrimEnd('/')
        + $"/subscriptions/{Uri.EscapeDataString(_options.SubscriptionId)}"
        + $"/resourceGroups/{Uri.EscapeDataString(_options.ResourceGroup)}"
        + $"/providers/Microsoft.MachineLearningServices/workspaces/{Uri.EscapeDataString(_options.Workspace)}"
        + $"/jobs/{Uri.EscapeDataString(name)}{suffix}?api-version={Uri.EscapeDataString(_options.ApiVersion)}");

    private async Task<ServiceResponse> SendAsync(RequestMethod method, Uri uri, BinaryData? body, string jobName, string operation, CancellationToken cancellationToken)
    {
        using var message = _pipeline.CreateMessage();
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
            await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex)
        {
            throw new TrainingServiceException(jobName, operation, ex.Status, ex.ErrorCode, ex.Message, ex);
        }

        var response = message.Response;
        response.Headers.TryGetValue("x-ms-request-id", out var requestId);
        return new ServiceResponse(response.Status, response.Content, requestId);
    }

    private static JobResource ReadJob(ServiceResponse response, string name)
    {
        try
        {
            return JsonSerializer.Deserialize(response.Content.ToMemory().Span, AzureMlJson.Default.JobResource)
                ?? throw new JsonException("the body is null");
        }
        catch (JsonException ex)
        {
            throw new TrainingServiceException(name, "Reading", response.Status, null,
                $"the job resource is not valid JSON (line {ex.LineNumber + 1}, path {ex.Path ?? "$"}): {ex.Message}", ex);
        }
    }

    private static (string? Code, string Message) ReadError(ServiceResponse response)
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

    private static TrainingServiceException Failure(ServiceResponse response, string name, string operation)
    {
        var (code, message) = ReadError(response);
        if (response.RequestId is not null) message += $" (x-ms-request-id {response.RequestId})";
        return new TrainingServiceException(name, operation, response.Status, code, message);
    }

    private sealed record ServiceResponse(int Status, BinaryData Content, string? RequestId);
}
