using System.Text.Json;
using Azure.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Training.Configuration;
using Serverless.Training.Contract;
using Serverless.Training.Validation;

namespace Serverless.Training.AzureMl;

/// <summary>
/// Runs training jobs as Azure Machine Learning Command jobs through the ARM REST API:
/// <c>PUT</c> creates the job, <c>GET</c> reads its status, <c>POST .../cancel</c> stops it.
/// Before the <c>PUT</c>, the job's environment is resolved to an id and every datastore its inputs
/// and outputs name is looked up, so a label that does not resolve or a datastore that does not exist
/// is refused at submit time, naming the setting or the field.
/// </summary>
public sealed class AzureMlTrainingJobService : ITrainingJobService
{
    private static readonly int[] RejectionStatuses = [400, 404, 422];

    private readonly AzureMlTrainingOptions _options;
    private readonly AzureMlWorkspaceClient _workspace;
    private readonly AzureMlDatastores _datastores;
    private readonly ITrainingArtifactReader _artifactReader;
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
        _workspace = new AzureMlWorkspaceClient(options, credential, client);
        _datastores = new AzureMlDatastores(_workspace);
        _artifactReader = client.ArtifactReader ?? new AzureMlArtifactReader(_workspace, credential, blobServices: null);
    }

    public Task<IReadOnlyList<TrainingJobProblem>> ValidateAsync(TrainingJobSpec spec, CancellationToken cancellationToken = default) =>
        Task.FromResult(Validate(spec));

    public async Task<TrainingJobState> SubmitAsync(TrainingJobSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ThrowIfBadName(spec.Name);

        // Submitting a name twice is a no-op: an existing job is reported, never re-created.
        var existing = await _workspace.SendAsync(RequestMethod.Get, JobUri(spec.Name), null, spec.Name, "Reading", cancellationToken).ConfigureAwait(false);
        if (existing.Status == 200) return AzureMlJobMapping.ToState(spec.Name, ReadJob(existing, spec.Name));
        if (existing.Status != 404) throw _workspace.Failure(existing, spec.Name, "Reading");

        var problems = Validate(spec).ToList();
        if (problems.Count > 0) throw new TrainingJobValidationException(spec.Name, problems);

        // What only the workspace can answer: the environment's version, and whether the datastores exist.
        var (environmentId, environmentProblem) = await EnvironmentReference(spec)
            .ResolveAsync(_workspace, spec.Name, cancellationToken).ConfigureAwait(false);
        if (environmentProblem is not null) problems.Add(new(EnvironmentField(spec), environmentProblem));
        problems.AddRange(await MissingDatastoresAsync(spec, cancellationToken).ConfigureAwait(false));
        if (problems.Count > 0) throw new TrainingJobValidationException(spec.Name, problems);

        var body = BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(AzureMlJobMapping.ToResource(spec, _options, environmentId!), AzureMlJson.Default.JobResource));
        var created = await _workspace.SendAsync(RequestMethod.Put, JobUri(spec.Name), body, spec.Name, "Submitting", cancellationToken).ConfigureAwait(false);
        switch (created.Status)
        {
            case 200 or 201:
                _logger.LogInformation("Submitted Azure ML job {JobName} to {Compute} in {Environment}", spec.Name, spec.Compute ?? _options.Compute, environmentId);
                return AzureMlJobMapping.ToState(spec.Name, ReadJob(created, spec.Name));
            case 409:
                // Another caller created it between our read and our write: report that job.
                return await GetStatusAsync(spec.Name, cancellationToken).ConfigureAwait(false);
            case var status when RejectionStatuses.Contains(status):
                var (code, message) = AzureMlWorkspaceClient.ReadError(created);
                throw new TrainingJobRejectedException(spec.Name, status, code, message);
            default:
                throw _workspace.Failure(created, spec.Name, "Submitting");
        }
    }

    /// <remarks>
    /// A 404 is reported as <see cref="TrainingJobNotFoundException"/> even right after a submit: the
    /// service can answer a read before a new job is visible, and only the caller knows how long ago it
    /// submitted (the TrainingJob orchestration treats it as transient for a grace period).
    /// </remarks>
    public async Task<TrainingJobState> GetStatusAsync(string name, CancellationToken cancellationToken = default)
    {
        ThrowIfBadName(name);
        var response = await _workspace.SendAsync(RequestMethod.Get, JobUri(name), null, name, "Reading", cancellationToken).ConfigureAwait(false);
        return response.Status switch
        {
            200 => AzureMlJobMapping.ToState(name, ReadJob(response, name)),
            404 => throw new TrainingJobNotFoundException(name, _workspace.WorkspaceScope),
            _ => throw _workspace.Failure(response, name, "Reading"),
        };
    }

    /// <remarks>
    /// A job already winding down (CancelRequested) is not asked again, and a cancel the service refuses
    /// because the job moved on meanwhile (409, 400) is answered with the job's state when that state is
    /// CancelRequested or terminal: either way the job is stopping, which is what the caller wanted.
    /// </remarks>
    public async Task<TrainingJobState> CancelAsync(string name, CancellationToken cancellationToken = default)
    {
        var current = await GetStatusAsync(name, cancellationToken).ConfigureAwait(false);
        if (IsStopping(current)) return current;

        var response = await _workspace.SendAsync(RequestMethod.Post, JobUri(name, "cancel"), null, name, "Canceling", cancellationToken).ConfigureAwait(false);
        if (response.Status == 404) throw new TrainingJobNotFoundException(name, _workspace.WorkspaceScope);
        if (response.Status is 400 or 409)
        {
            var now = await GetStatusAsync(name, cancellationToken).ConfigureAwait(false);
            if (IsStopping(now)) return now;
        }
        if (response.Status is not (200 or 202 or 204)) throw _workspace.Failure(response, name, "Canceling");
        _logger.LogInformation("Requested cancellation of Azure ML job {JobName}", name);

        // The service cancels asynchronously; the caller keeps polling until the state is terminal.
        return await GetStatusAsync(name, cancellationToken).ConfigureAwait(false);
    }

    private static bool IsStopping(TrainingJobState state) => state.IsTerminal || state.Status == TrainingJobStatus.CancelRequested;

    public async Task<TrainingJobOutputs> GetOutputsAsync(string name, CancellationToken cancellationToken = default)
    {
        ThrowIfBadName(name);
        var response = await _workspace.SendAsync(RequestMethod.Get, JobUri(name), null, name, "Reading", cancellationToken).ConfigureAwait(false);
        if (response.Status == 404) throw new TrainingJobNotFoundException(name, _workspace.WorkspaceScope);
        if (response.Status != 200) throw _workspace.Failure(response, name, "Reading");

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
            try
            {
                metricsJson = await _artifactReader.ReadTextAsync(metricsUri, cancellationToken).ConfigureAwait(false);
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new TrainingAccessDeniedException(name, "Reading metrics", 403, null, _workspace.Caller, metricsUri, ex.Message, ex);
            }
        }
        return new TrainingJobOutputs(name, outputs, metricsUri, metricsJson);
    }

    private IReadOnlyList<TrainingJobProblem> Validate(TrainingJobSpec spec)
    {
        var problems = TrainingJobSpecValidator.Validate(spec).ToList();

        var environment = spec.Environment ?? _options.Environment;
        if (string.IsNullOrWhiteSpace(environment))
        {
            problems.Add(new("environment", $"is required: set it on the spec or configure {AzureMlSetting("Environment")}"));
        }
        else if (AzureMlEnvironmentReference.Parse(environment) is AzureMlEnvironmentReference.Invalid invalid)
        {
            problems.Add(new(EnvironmentField(spec), invalid.Problem));
        }

        if (string.IsNullOrWhiteSpace(spec.Compute ?? _options.Compute))
        {
            problems.Add(new("compute", $"is required: set it on the spec or configure {AzureMlSetting("Compute")}"));
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

    private AzureMlEnvironmentReference EnvironmentReference(TrainingJobSpec spec) => AzureMlEnvironmentReference.Parse(spec.Environment ?? _options.Environment!);

    /// <summary>The spec's field, or the setting the environment came from.</summary>
    private static string EnvironmentField(TrainingJobSpec spec) => spec.Environment is null ? AzureMlSetting("Environment") : "environment";

    private static string AzureMlSetting(string key) => $"{TrainingSettings.SectionPath}:AzureMl:{key}";

    /// <summary>A problem for each input or output whose datastore this workspace does not have; one lookup per datastore.</summary>
    private async Task<IReadOnlyList<TrainingJobProblem>> MissingDatastoresAsync(TrainingJobSpec spec, CancellationToken cancellationToken)
    {
        var problems = new List<TrainingJobProblem>();
        var found = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var (field, uri) in DataUris(spec))
        {
            if (AzureMlDatastoreUri.TryParse(uri) is not { } reference || !reference.IsIn(_options.Workspace)) continue;
            if (!found.TryGetValue(reference.Datastore, out var exists))
            {
                exists = await _datastores.FindAsync(reference.Datastore, spec.Name, cancellationToken).ConfigureAwait(false) is not null;
                found[reference.Datastore] = exists;
            }
            if (!exists) problems.Add(new(field, $"datastore '{reference.Datastore}' does not exist in {_workspace.WorkspaceScope} ({uri})"));
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

    private Uri JobUri(string name, string? action = null) =>
        action is null ? _workspace.WorkspaceUri("jobs", name) : _workspace.WorkspaceUri("jobs", name, action);

    private static JobResource ReadJob(ServiceResponse response, string name) =>
        AzureMlWorkspaceClient.Read(response, AzureMlJson.Default.JobResource, name, "Reading");
}
