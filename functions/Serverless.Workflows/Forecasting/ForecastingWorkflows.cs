using Microsoft.DurableTask;
using Serverless.Durable;

namespace Serverless.Workflows.Forecasting;

/// <summary>The weekly forecast's orchestrator and activities, under the names the orchestrator calls.</summary>
public static class ForecastingWorkflows
{
    public static DurableTaskRegistry Register(DurableTaskRegistry registry) => registry
        .AddOrchestrator<WeeklyForecastOrchestrator>(WeeklyForecastOrchestrator.Name)
        .AddActivity<ForecastPrepareActivity>(ForecastActivityNames.Prepare)
        .AddActivity<ForecastAggregateStoreActivity>(ForecastActivityNames.AggregateStore)
        .AddActivity<ForecastTrainActivity>(ForecastActivityNames.Train)
        .AddActivity<ForecastPredictStoreActivity>(ForecastActivityNames.PredictStore)
        .AddActivity<ForecastReviewActivity>(ForecastActivityNames.Review)
        .AddActivity<ForecastValidateDecisionActivity>(ForecastActivityNames.ValidateDecision)
        .AddActivity<ForecastPublishStoreActivity>(ForecastActivityNames.PublishStore)
        .AddActivity<ForecastNotifyActivity>(ForecastActivityNames.Notify);
}
