using Microsoft.DurableTask;
using Serverless.Durable;
using Serverless.Training;
using Serverless.Training.Configuration;
using Serverless.Training.Contract;

namespace Serverless.Workflows.Training;

/// <summary>The job service of the configured backend, or a clear error when the mode runs no jobs.</summary>
internal static class TrainingBackendExtensions
{
    public static ITrainingJobService RequireService(this TrainingBackend backend) =>
        backend.Service ?? throw new InvalidOperationException(
            $"{TrainingSettings.SectionPath}:Mode is {backend.Mode}, which runs no training jobs; set it to Local or AzureMl to train as a job.");
}

/// <summary>
/// Validates and submits a job; a job of that name that already exists is left as it is and its state
/// returned. Throttling is an answer (<see cref="TrainingJobAnswer"/>), so the orchestration waits it out.
/// </summary>
public sealed class SubmitTrainingJobActivity(TrainingBackend backend) : TaskActivity<TrainingJobSpec, TrainingJobAnswer>
{
    public const string Name = "TrainingJobSubmit";

    public override Task<TrainingJobAnswer> RunAsync(TaskActivityContext context, TrainingJobSpec input) =>
        TrainingJobAnswer.CallAsync(() => backend.RequireService().SubmitAsync(input, context.CancellationToken));
}

/// <summary>Reads a job's state (one tick of the monitor); throttling and a job not (yet) found are answers.</summary>
public sealed class GetTrainingJobStatusActivity(TrainingBackend backend) : TaskActivity<string, TrainingJobAnswer>
{
    public const string Name = "TrainingJobGetStatus";

    public override Task<TrainingJobAnswer> RunAsync(TaskActivityContext context, string input) =>
        TrainingJobAnswer.CallAsync(() => backend.RequireService().GetStatusAsync(input, context.CancellationToken));
}

/// <summary>Asks a job to stop (on timeout); throttling and a job not found are answers.</summary>
public sealed class CancelTrainingJobActivity(TrainingBackend backend) : TaskActivity<string, TrainingJobAnswer>
{
    public const string Name = "TrainingJobCancel";

    public override Task<TrainingJobAnswer> RunAsync(TaskActivityContext context, string input) =>
        TrainingJobAnswer.CallAsync(() => backend.RequireService().CancelAsync(input, context.CancellationToken));
}

/// <summary>The outputs and metrics of a completed job.</summary>
public sealed class CollectTrainingJobOutputsActivity(TrainingBackend backend) : TaskActivity<string, TrainingJobOutputs>
{
    public const string Name = "TrainingJobCollectOutputs";

    public override Task<TrainingJobOutputs> RunAsync(TaskActivityContext context, string input) =>
        backend.RequireService().GetOutputsAsync(input, context.CancellationToken);
}
