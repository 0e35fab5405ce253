using Serverless.Durable;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace Serverless.Functions.Runtime;

/// <summary>
/// What every orchestrator and activity function does: create the workflow step registered under the
/// function's name in the <see cref="DurableTaskRegistry"/> (the same registry the local engines run, filled by
/// WorkflowCatalog) with the app's services, and run it on Durable Functions' own context.
/// </summary>
public sealed class WorkflowRunner
{
    private readonly IServiceProvider _services;
    private readonly Dictionary<TaskName, Func<IServiceProvider, ITaskOrchestrator>> _orchestrators;
    private readonly Dictionary<TaskName, Func<IServiceProvider, ITaskActivity>> _activities;

    public WorkflowRunner(DurableTaskRegistry registry, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _services = services;
        _orchestrators = registry.GetOrchestrators().ToDictionary(p => p.Key, p => p.Value);
        _activities = registry.GetActivities().ToDictionary(p => p.Key, p => p.Value);
    }

    public IEnumerable<string> OrchestratorNames => _orchestrators.Keys.Select(k => k.Name);

    public IEnumerable<string> ActivityNames => _activities.Keys.Select(k => k.Name);

    public ITaskOrchestrator CreateOrchestrator(string name, IServiceProvider services) =>
        _orchestrators.TryGetValue(name, out var create) ? create(services)
            : throw new UnknownTaskException("orchestrator", name, OrchestratorNames);

    public ITaskActivity CreateActivity(string name, IServiceProvider services) =>
        _activities.TryGetValue(name, out var create) ? create(services)
            : throw new UnknownTaskException("activity", name, ActivityNames);

    public async Task<TOutput> RunOrchestratorAsync<TInput, TOutput>(string name, TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var output = await CreateOrchestrator(name, _services).RunAsync(context, context.GetInput<TInput>());
        return (TOutput)output!;
    }

    public async Task<TOutput> RunActivityAsync<TInput, TOutput>(string name, TInput input, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var instanceId = context.BindingContext.BindingData.TryGetValue("instanceId", out var id) ? id?.ToString() ?? "" : "";
        var activity = CreateActivity(name, context.InstanceServices);
        var output = await activity.RunAsync(new FunctionActivityContext(name, instanceId, context.CancellationToken), input);
        return (TOutput)output!;
    }

    /// <summary>An activity's view of its call inside a function invocation; the invocation's token stops it.</summary>
    private sealed class FunctionActivityContext(TaskName name, string instanceId, CancellationToken cancellationToken)
        : TaskActivityContext, Serverless.Durable.ICancellableActivityContext
    {
        public override TaskName Name { get; } = name;

        public override string InstanceId { get; } = instanceId;

        public CancellationToken CancellationToken { get; } = cancellationToken;
    }
}
