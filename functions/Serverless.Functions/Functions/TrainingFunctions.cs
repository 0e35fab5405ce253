using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Serverless.Functions.Runtime;
using Serverless.Training.Contract;
using Serverless.Workflows.Forecasting;
using Serverless.Workflows.Recommendations;
using Serverless.Workflows.Training;

namespace Serverless.Functions.Functions;

/// <summary>
/// The TrainingJob sub-orchestration (submit, monitor on durable timers, collect or cancel) and its activities, and
/// the steps that prepare a forecast or recommendation training job and read its model back.
/// </summary>
public sealed class TrainingFunctions(WorkflowRunner runner)
{
    [Function(TrainingJobOrchestrator.Name)]
    public Task<TrainingJobResult> TrainingJob([OrchestrationTrigger] TaskOrchestrationContext context) =>
        runner.RunOrchestratorAsync<TrainingJobRequest, TrainingJobResult>(TrainingJobOrchestrator.Name, context);

    [Function(SubmitTrainingJobActivity.Name)]
    public Task<TrainingJobAnswer> SubmitTrainingJob([ActivityTrigger] TrainingJobSpec input, FunctionContext context) =>
        runner.RunActivityAsync<TrainingJobSpec, TrainingJobAnswer>(SubmitTrainingJobActivity.Name, input, context);

    [Function(GetTrainingJobStatusActivity.Name)]
    public Task<TrainingJobAnswer> GetTrainingJobStatus([ActivityTrigger] string input, FunctionContext context) =>
        runner.RunActivityAsync<string, TrainingJobAnswer>(GetTrainingJobStatusActivity.Name, input, context);

    [Function(CancelTrainingJobActivity.Name)]
    public Task<TrainingJobAnswer> CancelTrainingJob([ActivityTrigger] string input, FunctionContext context) =>
        runner.RunActivityAsync<string, TrainingJobAnswer>(CancelTrainingJobActivity.Name, input, context);

    [Function(CollectTrainingJobOutputsActivity.Name)]
    public Task<TrainingJobOutputs> CollectTrainingJobOutputs([ActivityTrigger] string input, FunctionContext context) =>
        runner.RunActivityAsync<string, TrainingJobOutputs>(CollectTrainingJobOutputsActivity.Name, input, context);

    [Function(ForecastTrainingJob.PrepareName)]
    public Task<ForecastJobPlan> ForecastTrainingJobPrepare([ActivityTrigger] ForecastJobPrepareInput input, FunctionContext context) =>
        runner.RunActivityAsync<ForecastJobPrepareInput, ForecastJobPlan>(ForecastTrainingJob.PrepareName, input, context);

    [Function(ForecastTrainingJob.FinishName)]
    public Task<ForecastModelSummary> ForecastTrainingJobFinish([ActivityTrigger] ForecastJobFinishInput input, FunctionContext context) =>
        runner.RunActivityAsync<ForecastJobFinishInput, ForecastModelSummary>(ForecastTrainingJob.FinishName, input, context);

    [Function(RecommendationTrainingJob.PrepareName)]
    public Task<RecommendationJobPlan> RecommendationTrainingJobPrepare([ActivityTrigger] RecommendationJobPrepareInput input, FunctionContext context) =>
        runner.RunActivityAsync<RecommendationJobPrepareInput, RecommendationJobPlan>(RecommendationTrainingJob.PrepareName, input, context);

    [Function(RecommendationTrainingJob.FinishName)]
    public Task<TrainedModel> RecommendationTrainingJobFinish([ActivityTrigger] RecommendationJobFinishInput input, FunctionContext context) =>
        runner.RunActivityAsync<RecommendationJobFinishInput, TrainedModel>(RecommendationTrainingJob.FinishName, input, context);
}
