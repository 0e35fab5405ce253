using Microsoft.DurableTask;
using Serverless.Durable;
using Serverless.Workflows.Demo;

namespace Serverless.Workflows;

/// <summary>
/// Every orchestrator and activity of the system, registered under the names the orchestrators call.
/// The embedded engine and the Azure Functions shell both expose exactly these.
/// </summary>
public static class WorkflowCatalog
{
    public static DurableTaskRegistry Register(DurableTaskRegistry registry)
    {
        registry
            .AddOrchestrator<DemoApprovalOrchestrator>(DemoApprovalOrchestrator.Name)
            .AddActivity<DemoSquareActivity>(DemoSquareActivity.Name)
            .AddActivity<DemoPublishActivity>(DemoPublishActivity.Name);
        Training.TrainingWorkflows.Register(registry);
        Forecasting.ForecastingWorkflows.Register(registry);
        Recommendations.RecommendationWorkflows.Register(registry);
        Experiments.ExperimentWorkflows.Register(registry);
        return registry;
    }

    public static DurableTaskRegistry Create() => Register(new DurableTaskRegistry());

    /// <summary>The names of every orchestrator, public or a step of another.</summary>
    public static IReadOnlyCollection<string> OrchestratorNames { get; } = Create().GetOrchestrators().Select(o => o.Key.Name).ToList();
}
