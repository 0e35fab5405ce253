using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Serverless.Functions.Runtime;
using Serverless.Workflows.Experiments;

namespace Serverless.Functions.Functions;

/// <summary>The ExperimentAggregation orchestration (a singleton per experiment shard) and its activities.</summary>
public sealed class ExperimentFunctions(WorkflowRunner runner)
{
    [Function(ExperimentAggregationOrchestrator.Name)]
    public Task<string> ExperimentAggregation([OrchestrationTrigger] TaskOrchestrationContext context) =>
        runner.RunOrchestratorAsync<AggregatorInput, string>(ExperimentAggregationOrchestrator.Name, context);

    [Function(DrainExperimentShardActivity.Name)]
    public Task<DrainResult> DrainExperimentShard([ActivityTrigger] DrainRequest input, FunctionContext context) =>
        runner.RunActivityAsync<DrainRequest, DrainResult>(DrainExperimentShardActivity.Name, input, context);

    [Function(RecomputeExperimentActivity.Name)]
    public Task<RecomputeResult> RecomputeExperiment([ActivityTrigger] RecomputeRequest input, FunctionContext context) =>
        runner.RunActivityAsync<RecomputeRequest, RecomputeResult>(RecomputeExperimentActivity.Name, input, context);
}
