using Microsoft.Extensions.DependencyInjection;

namespace Serverless.Durable;

/// <summary>
/// Orchestrators and activities by name (names are case-insensitive, as in Durable Task). Types
/// are created per call from the service provider, so activities can take their ports by constructor.
/// </summary>
public sealed class DurableTaskRegistry
{
    private readonly Dictionary<string, Registration<ITaskOrchestrator>> _orchestrators = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Registration<ITaskActivity>> _activities = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<string> OrchestratorNames => _orchestrators.Keys;

    public IReadOnlyCollection<string> ActivityNames => _activities.Keys;

    public DurableTaskRegistry AddOrchestrator<T>(string? name = null) where T : class, ITaskOrchestrator =>
        AddOrchestrator(name ?? typeof(T).Name, typeof(T), services => ActivatorUtilities.CreateInstance<T>(services));

    public DurableTaskRegistry AddOrchestratorFunc<TInput, TOutput>(string name, Func<IOrchestrationContext, TInput, Task<TOutput>> run) =>
        AddOrchestrator(name, typeof(FuncOrchestrator<TInput, TOutput>), _ => new FuncOrchestrator<TInput, TOutput>(run));

    public DurableTaskRegistry AddActivity<T>(string? name = null) where T : class, ITaskActivity =>
        AddActivity(name ?? typeof(T).Name, typeof(T), services => ActivatorUtilities.CreateInstance<T>(services));

    public DurableTaskRegistry AddActivityFunc<TInput, TOutput>(string name, Func<TaskActivityContext, TInput, Task<TOutput>> run) =>
        AddActivity(name, typeof(FuncActivity<TInput, TOutput>), _ => new FuncActivity<TInput, TOutput>(run));

    public bool TryGetOrchestrator(string name, out Registration<ITaskOrchestrator> registration) =>
        _orchestrators.TryGetValue(name, out registration!);

    public bool TryGetActivity(string name, out Registration<ITaskActivity> registration) =>
        _activities.TryGetValue(name, out registration!);

    /// <summary>The orchestrator registered under <paramref name="name"/>, or a clear error listing the known ones.</summary>
    public Registration<ITaskOrchestrator> GetOrchestrator(string name) =>
        _orchestrators.TryGetValue(name, out var registration)
            ? registration
            : throw new UnknownTaskException("orchestrator", name, _orchestrators.Keys);

    public Registration<ITaskActivity> GetActivity(string name) =>
        _activities.TryGetValue(name, out var registration)
            ? registration
            : throw new UnknownTaskException("activity", name, _activities.Keys);

    private DurableTaskRegistry AddOrchestrator(string name, Type type, Func<IServiceProvider, ITaskOrchestrator> factory)
    {
        ValidateName(name);
        if (!_orchestrators.TryAdd(name, new Registration<ITaskOrchestrator>(name, type, factory)))
            throw new InvalidOperationException($"An orchestrator named '{name}' is already registered.");
        return this;
    }

    private DurableTaskRegistry AddActivity(string name, Type type, Func<IServiceProvider, ITaskActivity> factory)
    {
        ValidateName(name);
        if (!_activities.TryAdd(name, new Registration<ITaskActivity>(name, type, factory)))
            throw new InvalidOperationException($"An activity named '{name}' is already registered.");
        return this;
    }

    private static void ValidateName(string name)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A task name must not be empty.", nameof(name));
    }

    private sealed class FuncOrchestrator<TInput, TOutput>(Func<IOrchestrationContext, TInput, Task<TOutput>> run)
        : TaskOrchestrator<TInput, TOutput>
    {
        public override Task<TOutput> RunAsync(IOrchestrationContext context, TInput input) => run(context, input);
    }

    private sealed class FuncActivity<TInput, TOutput>(Func<TaskActivityContext, TInput, Task<TOutput>> run)
        : TaskActivity<TInput, TOutput>
    {
        public override Task<TOutput> RunAsync(TaskActivityContext context, TInput input) => run(context, input);
    }
}

/// <summary>A registered orchestrator or activity: its name, implementing type and factory.</summary>
public sealed record Registration<T>(string Name, Type ImplementationType, Func<IServiceProvider, T> Factory)
    where T : class
{
    public T Create(IServiceProvider services) => Factory(services);
}
