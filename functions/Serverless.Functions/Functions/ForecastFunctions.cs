using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Serverless.Functions.Runtime;
using Serverless.Workflows.Common;
using Serverless.Workflows.Forecasting;

namespace Serverless.Functions.Functions;

/// <summary>The WeeklyForecast orchestration and its activities.</summary>
public sealed class ForecastFunctions(WorkflowRunner runner)
{
    [Function(WeeklyForecastOrchestrator.Name)]
    public Task<WeeklyForecastOutput> WeeklyForecast([OrchestrationTrigger] TaskOrchestrationContext context) =>
        runner.RunOrchestratorAsync<WeeklyForecastInput?, WeeklyForecastOutput>(WeeklyForecastOrchestrator.Name, context);

    [Function(ForecastActivityNames.Prepare)]
    public Task<PreparedForecastRun> ForecastPrepare([ActivityTrigger] PrepareForecastInput input, FunctionContext context) =>
        runner.RunActivityAsync<PrepareForecastInput, PreparedForecastRun>(ForecastActivityNames.Prepare, input, context);

    [Function(ForecastActivityNames.AggregateStore)]
    public Task<AggregatedStore> ForecastAggregateStore([ActivityTrigger] AggregateStoreInput input, FunctionContext context) =>
        runner.RunActivityAsync<AggregateStoreInput, AggregatedStore>(ForecastActivityNames.AggregateStore, input, context);

    [Function(ForecastActivityNames.Train)]
    public Task<ForecastModelSummary> ForecastTrain([ActivityTrigger] TrainForecastInput input, FunctionContext context) =>
        runner.RunActivityAsync<TrainForecastInput, ForecastModelSummary>(ForecastActivityNames.Train, input, context);

    [Function(ForecastActivityNames.PredictStore)]
    public Task<PredictedStore> ForecastPredictStore([ActivityTrigger] PredictStoreInput input, FunctionContext context) =>
        runner.RunActivityAsync<PredictStoreInput, PredictedStore>(ForecastActivityNames.PredictStore, input, context);

    [Function(ForecastActivityNames.Review)]
    public Task<ForecastReviewSummary> ForecastReview([ActivityTrigger] ReviewForecastInput input, FunctionContext context) =>
        runner.RunActivityAsync<ReviewForecastInput, ForecastReviewSummary>(ForecastActivityNames.Review, input, context);

    [Function(ForecastActivityNames.ValidateDecision)]
    public Task<List<string>> ForecastValidateDecision([ActivityTrigger] ValidateDecisionInput input, FunctionContext context) =>
        runner.RunActivityAsync<ValidateDecisionInput, List<string>>(ForecastActivityNames.ValidateDecision, input, context);

    [Function(ForecastActivityNames.PublishStore)]
    public Task<PublishedStoreFile> ForecastPublishStore([ActivityTrigger] PublishStoreInput input, FunctionContext context) =>
        runner.RunActivityAsync<PublishStoreInput, PublishedStoreFile>(ForecastActivityNames.PublishStore, input, context);

    [Function(ForecastActivityNames.Notify)]
    public Task<NotificationOutcome> ForecastNotify([ActivityTrigger] ForecastNotification input, FunctionContext context) =>
        runner.RunActivityAsync<ForecastNotification, NotificationOutcome>(ForecastActivityNames.Notify, input, context);
}
