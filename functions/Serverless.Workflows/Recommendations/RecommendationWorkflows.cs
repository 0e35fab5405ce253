using Microsoft.DurableTask;
using Serverless.Durable;

namespace Serverless.Workflows.Recommendations;

/// <summary>The recommendation refresh's orchestrator and activities, registered under the names the orchestrator calls.</summary>
public static class RecommendationWorkflows
{
    public static DurableTaskRegistry Register(DurableTaskRegistry registry) => registry
        .AddOrchestrator<RecommendationRefreshOrchestrator>(RecommendationRefreshOrchestrator.Name)
        .AddActivity<RecommendationPlanActivity>(RecommendationActivityNames.Plan)
        .AddActivity<RecommendationImportActivity>(RecommendationActivityNames.Import)
        .AddActivity<RecommendationSearchPlanActivity>(RecommendationActivityNames.SearchPlan)
        .AddActivity<RecommendationSearchTrialActivity>(RecommendationActivityNames.SearchTrial)
        .AddActivity<RecommendationSearchSelectActivity>(RecommendationActivityNames.SearchSelect)
        .AddActivity<RecommendationTrainActivity>(RecommendationActivityNames.Train)
        .AddActivity<RecommendationEvaluateActivity>(RecommendationActivityNames.Evaluate)
        .AddActivity<RecommendationScoreShardActivity>(RecommendationActivityNames.ScoreShard)
        .AddActivity<RecommendationPublishShardActivity>(RecommendationActivityNames.PublishShard)
        .AddActivity<RecommendationActivateActivity>(RecommendationActivityNames.Activate)
        .AddActivity<RecommendationReportActivity>(RecommendationActivityNames.Report);
}
