using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Serverless.Functions.Runtime;
using Serverless.Training.Contract;
using Serverless.Workflows.Training;

namespace Serverless.Functions.Functions;

/// <summary>The TrainingJob sub-orchestration (submit, monitor on durable timers, collect or cancel) and its activities.</summary>
public sealed class TrainingFunctions(WorkflowRunner runner)
{
    [Function(TrainingJobOrchestrator.Name)]
    public Task<TrainingJobResult> TrainingJob([OrchestrationTrigger] TaskOrchestrationContext context) =>
        runner.RunOrchestratorAsync<TrainingJobRequest, TrainingJobResult>(TrainingJobOrchestrator.Name, context);

    [Function(SubmitTrainingJobActivity.Name)]
    public Task<TrainingJobState> SubmitTrainingJob([ActivityTrigger] TrainingJobSpec input, FunctionContext context) =>
        runner.RunActivityAsync<TrainingJobSpec, TrainingJobState>(SubmitTrainingJobActivity.Name, input, context);

    [Function(GetTrainingJobStatusActivity.Name)]
    public Task<TrainingJobState> GetTrainingJobStatus([ActivityTrigger] string input, FunctionContext context) =>
        runner.RunActivityAsync<string, TrainingJobState>(GetTrainingJobStatusActivity.Name, input, context);

    [Function(CancelTrainingJobActivity.Name)]
    public Task<TrainingJobState> CancelTrainingJob([ActivityTrigger] string input, FunctionContext context) =>
        runner.RunActivityAsync<string, TrainingJobState>(CancelTrainingJobActivity.Name, input, context);

    [Function(CollectTrainingJobOutputsActivity.Name)]
    public Task<TrainingJobOutputs> CollectTrainingJobOutputs([ActivityTrigger] string input, FunctionContext context) =>
        runner.RunActivityAsync<string, TrainingJobOutputs>(CollectTrainingJobOutputsActivity.Name, input, context);
}
