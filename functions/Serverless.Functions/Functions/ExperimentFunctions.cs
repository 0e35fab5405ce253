using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Serverless.Functions.Runtime;
using Serverless.Workflows.Experiments;

namespace Serverless.Functions.Functions;

/// <summary>The ExperimentAggregation orchestration (one per event batch) and its activities.</summary>
public sealed class ExperimentFunctions(WorkflowRunner runner)
{
    [Function(ExperimentAggregationOrchestrator.Name)]
    public Task<ExperimentAggregationResult> ExperimentAggregation([OrchestrationTrigger] TaskOrchestrationContext context) =>
        runner.RunOrchestratorAsync<ExperimentBatchInput, ExperimentAggregationResult>(ExperimentAggregationOrchestrator.Name, context);

    [Function(ApplyExperimentBatchActivity.Name)]
    public Task<ExperimentBatchApplied> ApplyExperimentBatch([ActivityTrigger] ExperimentBatchInput input, FunctionContext context) =>
        runner.RunActivityAsync<ExperimentBatchInput, ExperimentBatchApplied>(ApplyExperimentBatchActivity.Name, input, context);

    [Function(RecomputeExperimentActivity.Name)]
    public Task<RecomputeResult> RecomputeExperiment([ActivityTrigger] RecomputeRequest input, FunctionContext context) =>
        runner.RunActivityAsync<RecomputeRequest, RecomputeResult>(RecomputeExperimentActivity.Name, input, context);
}
