using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.DurableTask;
using Serverless.Durable;
using Serverless.Forecasting.Modeling;
using Serverless.Storage.Blobs;
using Serverless.Training.Contract;
using Serverless.Workflows.Forecasting;

namespace Serverless.Workflows.Training;

public sealed record ForecastJobPlan(string InstanceId, string ModelFolder, TrainingJobRequest Request);

public sealed record ForecastJobPrepareInput(TrainForecastInput Train, string JobInstanceId);

public sealed record ForecastJobFinishInput(TrainForecastInput Train, string ModelFolder, TrainingJobResult Job);

/// <summary>
/// The weekly forecast's train step as a training job (<c>Serverless:Forecast:Training = Job</c>): the config
/// goes beside the job folder -> TrainingJob runs <c>serverless-trainer forecast</c> over the run's
/// aggregates folder -> the model it wrote is stored exactly as in-process training stores it.
/// </summary>
public static class ForecastTrainingJob
{
    public const string PrepareName = "ForecastTrainingJobPrepare";
    public const string FinishName = "ForecastTrainingJobFinish";

    public static async Task<ForecastModelSummary> TrainAsync(TaskOrchestrationContext context, TrainForecastInput input)
    {
        var plan = await context.CallActivityAsync<ForecastJobPlan>(PrepareName, new ForecastJobPrepareInput(input, $"{context.InstanceId}-train"));
        var job = await context.CallSubOrchestratorAsync<TrainingJobResult>(TrainingJobOrchestrator.Name, plan.Request, new SubOrchestrationOptions(retry: null, instanceId: plan.InstanceId));
        return await context.CallActivityAsync<ForecastModelSummary>(FinishName, new ForecastJobFinishInput(input, plan.ModelFolder, job));
    }
}

public sealed class ForecastJobPrepareActivity(IConfiguration configuration, IBlobStore blobs) : TaskActivity<ForecastJobPrepareInput, ForecastJobPlan>
{
    public override async Task<ForecastJobPlan> RunAsync(TaskActivityContext context, ForecastJobPrepareInput input)
    {
        var train = input.Train;
        if (train.AggregatePaths.Count == 0) throw new ArgumentException("the train step got no aggregates", nameof(input));
        var folders = train.AggregatePaths.Select(p => p[..p.LastIndexOf('/')]).Distinct(StringComparer.Ordinal).ToList();
        if (folders.Count != 1) throw new ArgumentException($"the aggregates are in {folders.Count} folders; a training job reads one", nameof(input));

        var defaults = TrainingJobDefaults.FromConfiguration(configuration);
        var folder = $"{train.Root}/jobs/{TrainingJobName.FromInstance(input.JobInstanceId)}";
        var configPath = folder + "/input/config.json";
        await blobs.WriteAsync(configPath, Encoding.UTF8.GetBytes(train.ConfigJson), BlobWriteCondition.Overwrite, context.CancellationToken);
        var modelFolder = folder + "/model";
        var spec = TrainerJobSpecs.Forecast(defaults, defaults.DataUri(blobs, folders[0]), defaults.DataUri(blobs, configPath), defaults.DataUri(blobs, modelFolder),
            ForecastArtifacts.CodeVersion, $"forecast {train.Root}",
            new Dictionary<string, string>(StringComparer.Ordinal) { ["workflow"] = "WeeklyForecast", ["run"] = train.Root });
        return new ForecastJobPlan(input.JobInstanceId, modelFolder, new TrainingJobRequest(spec, defaults.Monitor));
    }
}

public sealed class ForecastJobFinishActivity(IBlobStore blobs) : TaskActivity<ForecastJobFinishInput, ForecastModelSummary>
{
    public override async Task<ForecastModelSummary> RunAsync(TaskActivityContext context, ForecastJobFinishInput input)
    {
        var path = input.ModelFolder + "/model.bin";
        ForecastModel model;
        try
        {
            model = ForecastModel.FromBytes(await blobs.ReadAllBytesAsync(path, context.CancellationToken));
        }
        catch (BlobNotFoundException ex)
        {
            throw new InvalidDataException($"{path}: training job {input.Job.Name} completed without writing its model.", ex);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException($"{path}: the model written by training job {input.Job.Name} is truncated.", ex);
        }
        return await ForecastTrainActivity.StoreAsync(blobs, input.Train, model, context.CancellationToken);
    }
}
