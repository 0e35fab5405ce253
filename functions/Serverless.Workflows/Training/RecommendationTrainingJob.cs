using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.DurableTask;
using Serverless.Durable;
using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.Publishing;
using Serverless.Storage.Blobs;
using Serverless.Storage.Documents;
using Serverless.Training.Contract;
using Serverless.Workflows.Recommendations;

namespace Serverless.Workflows.Training;

/// <summary>A prepared ALS job: the TrainingJob input, its instance id, and the blob folder the trainer writes the model to.</summary>
public sealed record RecommendationJobPlan(string InstanceId, string ModelFolder, TrainingJobRequest Request);

public sealed record RecommendationJobPrepareInput(TrainRequest Train, string JobInstanceId);

public sealed record RecommendationJobFinishInput(TrainRequest Train, string ModelFolder, TrainingJobResult Job);

/// <summary>
/// The recommendation refresh's training step as a training job (<c>Serverless:Recommendations:Training = Job</c>):
/// write the ALS parameters beside the job's folder -> the TrainingJob sub-orchestration runs
/// <c>serverless-trainer als</c> on the local runner or Azure ML -> read the model it wrote and store it
/// exactly as in-process training does, so evaluation, scoring and publication cannot tell the two apart.
/// </summary>
public static class RecommendationTrainingJob
{
    public const string PrepareName = "RecommendationTrainingJobPrepare";
    public const string FinishName = "RecommendationTrainingJobFinish";

    public static async Task<TrainedModel> TrainAsync(TaskOrchestrationContext context, TrainRequest request)
    {
        var instanceId = $"{context.InstanceId}-train-{request.Service}";
        var plan = await context.CallActivityAsync<RecommendationJobPlan>(PrepareName, new RecommendationJobPrepareInput(request, instanceId));
        var job = await context.CallSubOrchestratorAsync<TrainingJobResult>(TrainingJobOrchestrator.Name, plan.Request, new SubOrchestrationOptions(retry: null, instanceId: plan.InstanceId));
        return await context.CallActivityAsync<TrainedModel>(FinishName, new RecommendationJobFinishInput(request, plan.ModelFolder, job));
    }

    /// <summary>The job's folder in the blob store: <c>recommendations/{service}/jobs/{job name}</c>.</summary>
    public static string JobFolder(string service, string jobName) => $"{RecommendationPaths.Root}/{service}/jobs/{jobName}";
}

/// <summary>Writes the service's ALS parameters for the trainer and builds the job spec over blob URIs.</summary>
public sealed class RecommendationJobPrepareActivity(IConfiguration configuration, IBlobStore blobs, IDocumentStore documents)
    : TaskActivity<RecommendationJobPrepareInput, RecommendationJobPlan>
{
    public override async Task<RecommendationJobPlan> RunAsync(TaskActivityContext context, RecommendationJobPrepareInput input)
    {
        var request = input.Train;
        var defaults = TrainingJobDefaults.FromConfiguration(configuration);
        var settings = await new RecommendationArtifacts(blobs, documents).ReadServiceSettingsAsync(request.SettingsPath, request.Service, context.CancellationToken);

        var folder = RecommendationTrainingJob.JobFolder(request.Service, TrainingJobName.FromInstance(input.JobInstanceId));
        var configPath = folder + "/input/als.json";
        // The search's ALS winner when there is one (an EASE winner never comes here: it trains in process).
        var als = request.Recipe?.Als ?? settings.Als;
        await blobs.WriteAsync(configPath, JsonSerializer.SerializeToUtf8Bytes(als, AlsJson), BlobWriteCondition.Overwrite, context.CancellationToken);
        var modelFolder = folder + "/model";

        var spec = TrainerJobSpecs.Als(defaults, defaults.DataUri(blobs, request.DataPath), defaults.DataUri(blobs, configPath), defaults.DataUri(blobs, modelFolder),
            $"ALS {request.Service}", new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["workflow"] = "RecommendationRefresh",
                ["service"] = request.Service,
                ["dataHash"] = request.DataHash,
            });
        return new RecommendationJobPlan(input.JobInstanceId, modelFolder, new TrainingJobRequest(spec, defaults.Monitor));
    }

    private static readonly JsonSerializerOptions AlsJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}

/// <summary>Reads the model the trainer wrote, checks it was trained on the imported data, and stores it like an in-process model.</summary>
public sealed class RecommendationJobFinishActivity(IBlobStore blobs, IDocumentStore documents)
    : TaskActivity<RecommendationJobFinishInput, TrainedModel>
{
    public override async Task<TrainedModel> RunAsync(TaskActivityContext context, RecommendationJobFinishInput input)
    {
        var cancellationToken = context.CancellationToken;
        var request = input.Train;
        var artifacts = new RecommendationArtifacts(blobs, documents);
        var settings = await artifacts.ReadServiceSettingsAsync(request.SettingsPath, request.Service, cancellationToken);

        var modelPath = input.ModelFolder + "/model.als";
        AlsModel model;
        try
        {
            model = AlsModel.ReadFrom(new MemoryStream(await artifacts.ReadRequiredAsync(modelPath, "model written by training job " + input.Job.Name, cancellationToken)));
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException($"{modelPath}: the model written by training job {input.Job.Name} is truncated.", ex);
        }
        if (model.DataHash != request.DataHash)
        {
            throw new InvalidDataException($"{modelPath}: training job {input.Job.Name} trained on data {model.DataHash}, not the {request.DataHash} the import step recorded.");
        }

        using var trainerManifest = JsonDocument.Parse(await artifacts.ReadRequiredAsync(input.ModelFolder + "/manifest.json", "trainer manifest", cancellationToken));
        var root = trainerManifest.RootElement;
        var backend = root.GetProperty("parameters").TryGetProperty("backend", out var b) ? b.GetString() ?? "unknown" : "unknown";
        var timings = root.TryGetProperty("timingsSeconds", out var t)
            ? t.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble(), StringComparer.Ordinal)
            : new Dictionary<string, double>(StringComparer.Ordinal);

        // The end of the training data is the next gate's time cut; the trainer does not record it, the data does.
        var dataEnd = (await artifacts.ReadDatasetAsync(request.DataPath, request.DataHash, cancellationToken)).DataEndUtc;
        var manifest = new ModelManifest
        {
            ModelVersion = model.Version,
            Parameters = model.Options,
            DataHash = model.DataHash,
            DataEndUtc = dataEnd,
            CodeVersion = root.GetProperty("codeVersion").GetString() ?? "unknown",
            Backend = backend,
            Users = model.Users.Count,
            Items = model.Items.Count,
            Interactions = Interactions(input.Job.MetricsJson) ?? model.Interactions.NonZeros,
            TimingsSeconds = timings,
        };
        return await RecommendationTrainActivity.StoreAsync(artifacts, settings, model, manifest, cancellationToken);
    }

    private static int? Interactions(string? metricsJson)
    {
        if (metricsJson is null) return null;
        using var metrics = JsonDocument.Parse(metricsJson);
        return metrics.RootElement.TryGetProperty("metrics", out var m) && m.TryGetProperty("interactions", out var value) ? (int)value.GetDouble() : null;
    }
}
