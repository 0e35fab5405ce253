using Microsoft.DurableTask;
using Serverless.Durable;

namespace Serverless.Workflows.Experiments;

/// <summary>The experiments area's orchestrator and activities, registered by <see cref="WorkflowCatalog"/>.</summary>
public static class ExperimentWorkflows
{
    public static DurableTaskRegistry Register(DurableTaskRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry
            .AddOrchestrator<ExperimentAggregationOrchestrator>(ExperimentAggregationOrchestrator.Name)
            .AddActivity<ApplyExperimentBatchActivity>(ApplyExperimentBatchActivity.Name)
            .AddActivity<RecomputeExperimentActivity>(RecomputeExperimentActivity.Name);
    }
}
