using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Serverless.Functions.Runtime;
using Serverless.Recommendations.Publishing;
using Serverless.Recommendations.Search;
using Serverless.Workflows.Recommendations;

namespace Serverless.Functions.Functions;

/// <summary>The RecommendationRefresh orchestration and its activities.</summary>
public sealed class RecommendationFunctions(WorkflowRunner runner)
{
    [Function(RecommendationRefreshOrchestrator.Name)]
    public Task<RecommendationRefreshResult> RecommendationRefresh([OrchestrationTrigger] TaskOrchestrationContext context) =>
        runner.RunOrchestratorAsync<RecommendationRefreshInput?, RecommendationRefreshResult>(RecommendationRefreshOrchestrator.Name, context);

    [Function(RecommendationActivityNames.Plan)]
    public Task<RefreshPlan> RecommendationPlan([ActivityTrigger] PlanRequest input, FunctionContext context) =>
        runner.RunActivityAsync<PlanRequest, RefreshPlan>(RecommendationActivityNames.Plan, input, context);

    [Function(RecommendationActivityNames.Import)]
    public Task<ImportedData> RecommendationImport([ActivityTrigger] ServiceStep input, FunctionContext context) =>
        runner.RunActivityAsync<ServiceStep, ImportedData>(RecommendationActivityNames.Import, input, context);

    [Function(RecommendationActivityNames.SearchPlan)]
    public Task<SearchPlan> RecommendationSearchPlan([ActivityTrigger] SearchPlanRequest input, FunctionContext context) =>
        runner.RunActivityAsync<SearchPlanRequest, SearchPlan>(RecommendationActivityNames.SearchPlan, input, context);

    [Function(RecommendationActivityNames.SearchTrial)]
    public Task<SearchTrialResult> RecommendationSearchTrial([ActivityTrigger] SearchTrialRequest input, FunctionContext context) =>
        runner.RunActivityAsync<SearchTrialRequest, SearchTrialResult>(RecommendationActivityNames.SearchTrial, input, context);

    [Function(RecommendationActivityNames.SearchSelect)]
    public Task<SearchOutcome> RecommendationSearchSelect([ActivityTrigger] SearchSelectRequest input, FunctionContext context) =>
        runner.RunActivityAsync<SearchSelectRequest, SearchOutcome>(RecommendationActivityNames.SearchSelect, input, context);

    [Function(RecommendationActivityNames.Train)]
    public Task<TrainedModel> RecommendationTrain([ActivityTrigger] TrainRequest input, FunctionContext context) =>
        runner.RunActivityAsync<TrainRequest, TrainedModel>(RecommendationActivityNames.Train, input, context);

    [Function(RecommendationActivityNames.Evaluate)]
    public Task<EvaluationOutcome> RecommendationEvaluate([ActivityTrigger] EvaluateRequest input, FunctionContext context) =>
        runner.RunActivityAsync<EvaluateRequest, EvaluationOutcome>(RecommendationActivityNames.Evaluate, input, context);

    [Function(RecommendationActivityNames.ScoreShard)]
    public Task<ShardLists> RecommendationScoreShard([ActivityTrigger] ShardRequest input, FunctionContext context) =>
        runner.RunActivityAsync<ShardRequest, ShardLists>(RecommendationActivityNames.ScoreShard, input, context);

    [Function(RecommendationActivityNames.PublishShard)]
    public Task<int> RecommendationPublishShard([ActivityTrigger] PublishShardRequest input, FunctionContext context) =>
        runner.RunActivityAsync<PublishShardRequest, int>(RecommendationActivityNames.PublishShard, input, context);

    [Function(RecommendationActivityNames.Activate)]
    public Task<PublicationSummary> RecommendationActivate([ActivityTrigger] ActivateRequest input, FunctionContext context) =>
        runner.RunActivityAsync<ActivateRequest, PublicationSummary>(RecommendationActivityNames.Activate, input, context);

    [Function(RecommendationActivityNames.Report)]
    public Task<string> RecommendationReport([ActivityTrigger] ReportRequest input, FunctionContext context) =>
        runner.RunActivityAsync<ReportRequest, string>(RecommendationActivityNames.Report, input, context);
}
