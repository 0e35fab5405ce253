using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Serverless.Functions.Adapters;
using Ours = Serverless.Durable;

namespace Serverless.Functions.Runtime;

/// <summary>
/// What every orchestrator and activity function does: find the workflow step registered under the
/// function's name in <see cref="Ours.DurableTaskRegistry"/> (the same registry the embedded engine runs,
/// filled by WorkflowCatalog), create it with the app's services and run it, orchestrators over
/// <see cref="DurableOrchestrationContextAdapter"/>.
/// </summary>
public sealed class WorkflowRunner(Ours.DurableTaskRegistry registry, IServiceProvider services, ILoggerFactory loggerFactory)
{
    public Ours.DurableTaskRegistry Registry => registry;

    public async Task<TOutput> RunOrchestratorAsync<TInput, TOutput>(string name, TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var orchestrator = registry.GetOrchestrator(name).Create(services);
        var output = await orchestrator.RunAsync(new DurableOrchestrationContextAdapter(context, loggerFactory), context.GetInput<TInput>());
        return (TOutput)output!;
    }

    public async Task<TOutput> RunActivityAsync<TInput, TOutput>(string name, TInput input, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var activity = registry.GetActivity(name).Create(context.InstanceServices);
        var instanceId = context.BindingContext.BindingData.TryGetValue("instanceId", out var id) ? id?.ToString() ?? "" : "";
        var output = await activity.RunAsync(new Ours.TaskActivityContext(name, instanceId, 0, context.CancellationToken), input);
        return (TOutput)output!;
    }
}
