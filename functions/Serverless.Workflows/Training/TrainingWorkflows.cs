using Microsoft.DurableTask;
using Serverless.Durable;

namespace Serverless.Workflows.Training;

/// <summary>Registers the TrainingJob sub-orchestration and its activities.</summary>
public static class TrainingWorkflows
{
    public static DurableTaskRegistry Register(DurableTaskRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry
            .AddOrchestrator<TrainingJobOrchestrator>(TrainingJobOrchestrator.Name)
            .AddActivity<SubmitTrainingJobActivity>(SubmitTrainingJobActivity.Name)
            .AddActivity<GetTrainingJobStatusActivity>(GetTrainingJobStatusActivity.Name)
            .AddActivity<CancelTrainingJobActivity>(CancelTrainingJobActivity.Name)
            .AddActivity<CollectTrainingJobOutputsActivity>(CollectTrainingJobOutputsActivity.Name)
            .AddActivity<RecommendationJobPrepareActivity>(RecommendationTrainingJob.PrepareName)
            .AddActivity<RecommendationJobFinishActivity>(RecommendationTrainingJob.FinishName)
            .AddActivity<ForecastJobPrepareActivity>(ForecastTrainingJob.PrepareName)
            .AddActivity<ForecastJobFinishActivity>(ForecastTrainingJob.FinishName);
    }
}
