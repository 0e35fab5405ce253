using System.Diagnostics.CodeAnalysis;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker;

namespace Serverless.Durable.Embedded.Dispatch;

/// <summary>
/// Creates orchestrators and activities by name from a <see cref="DurableTaskRegistry"/>, and lists the
/// names, so the engine and its client can refuse an unknown name with the list of known ones.
/// </summary>
internal sealed class RegistryTaskFactory : IDurableTaskFactory
{
    private readonly Dictionary<TaskName, Func<IServiceProvider, ITaskOrchestrator>> _orchestrators;
    private readonly Dictionary<TaskName, Func<IServiceProvider, ITaskActivity>> _activities;

    public RegistryTaskFactory(DurableTaskRegistry registry)
    {
        _orchestrators = registry.GetOrchestrators().ToDictionary(p => p.Key, p => p.Value);
        _activities = registry.GetActivities().ToDictionary(p => p.Key, p => p.Value);
    }

    public IEnumerable<string> OrchestratorNames => _orchestrators.Keys.Select(k => k.Name);

    public IEnumerable<string> ActivityNames => _activities.Keys.Select(k => k.Name);

    /// <summary>The registered spelling of an orchestrator name (names are case-insensitive), or a clear error.</summary>
    public string ResolveOrchestratorName(string name) =>
        _orchestrators.Keys.FirstOrDefault(k => k.Equals(new TaskName(name))) is { Name: not null } known
            ? known.Name
            : throw new UnknownTaskException("orchestrator", name, OrchestratorNames);

    public Type? OrchestratorInputType(string name, IServiceProvider services) =>
        _orchestrators.TryGetValue(name, out var create) ? create(services).InputType : null;

    public bool TryCreateOrchestrator(TaskName name, IServiceProvider serviceProvider, [NotNullWhen(true)] out ITaskOrchestrator? orchestrator)
    {
        orchestrator = _orchestrators.TryGetValue(name, out var create) ? create(serviceProvider) : null;
        return orchestrator is not null;
    }

    public bool TryCreateActivity(TaskName name, IServiceProvider serviceProvider, [NotNullWhen(true)] out ITaskActivity? activity)
    {
        activity = _activities.TryGetValue(name, out var create) ? create(serviceProvider) : null;
        return activity is not null;
    }

    public ITaskOrchestrator CreateOrchestrator(string name, IServiceProvider services) =>
        TryCreateOrchestrator(name, services, out var orchestrator) ? orchestrator : throw new UnknownTaskException("orchestrator", name, OrchestratorNames);

    public ITaskActivity CreateActivity(string name, IServiceProvider services) =>
        TryCreateActivity(name, services, out var activity) ? activity : throw new UnknownTaskException("activity", name, ActivityNames);
}
