using DurableTask.Core;
using DurableTask.Core.Middleware;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Hosting;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using CoreTaskActivity = DurableTask.Core.TaskActivity;

namespace Serverless.Durable.AzureStorage;

/// <summary>
/// A Durable Task worker on the real runtime: DurableTask.Core's <see cref="TaskHubWorker"/> dispatching from the
/// Azure Storage task hub, with Microsoft.DurableTask's orchestrators and activities turned into Core ones by its
/// public <see cref="DurableTaskShimFactory"/>. No gRPC sidecar: one process, the same orchestration code and the same
/// replay rules as Durable Functions' Azure Storage backend. Registered with <c>UseAzureStorage()</c>.
/// </summary>
public sealed class AzureStorageDurableTaskWorker : DurableTaskWorker
{
    private readonly string? _name;
    private readonly AzureStorageTaskHub _hub;
    private readonly IServiceProvider _services;
    private readonly DurableTaskShimFactory _shims;
    private readonly ILogger _logger;
    private TaskHubWorker? _worker;

    public AzureStorageDurableTaskWorker(string? name, IDurableTaskFactory factory, AzureStorageTaskHub hub,
        IOptionsMonitor<DurableTaskWorkerOptions> workerOptions, IServiceProvider services, ILoggerFactory loggerFactory)
        : base(name, factory)
    {
        ArgumentNullException.ThrowIfNull(workerOptions);
        _name = name;
        _hub = hub;
        _services = services;
        _shims = new DurableTaskShimFactory(workerOptions.Get(name ?? Options.DefaultName), loggerFactory);
        _logger = loggerFactory.CreateLogger<AzureStorageDurableTaskWorker>();
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await _hub.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        _worker = new TaskHubWorker(_hub.Service, new OrchestrationManager(), new ActivityManager(this), _services.GetRequiredService<ILoggerFactory>())
        {
            // Failures travel as failure details (type, message, stack, inner failure), as Microsoft.DurableTask expects.
            ErrorPropagationMode = ErrorPropagationMode.UseFailureDetails,
        };
        _worker.AddOrchestrationDispatcherMiddleware(RunOrchestrationAsync);
        await _worker.StartAsync().ConfigureAwait(false);
        _logger.LogInformation("Durable Task worker started on the {TaskHub}", _hub.Description);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Lets work items in flight finish while the host's shutdown allows; past that the worker stops without them
    /// (their messages become visible again and another worker, or the next start, runs them).
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_worker is null) return;
        try
        {
            await _worker.StopAsync(isForced: false).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _logger.LogWarning("Durable Task worker on the {TaskHub} stopped before its work items finished", _hub.Description);
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;

    /// <summary>
    /// Runs an orchestration episode: the orchestrator comes from the factory with its parent read from the runtime
    /// state (which the object manager cannot see), and the result goes back to the dispatcher.
    /// </summary>
    private async Task RunOrchestrationAsync(DispatchMiddlewareContext context, Func<Task> next)
    {
        var state = context.GetProperty<OrchestrationRuntimeState>();
        var name = new TaskName(state.Name);
        await using var scope = _services.CreateAsyncScope();
        if (!Factory.TryCreateOrchestrator(name, scope.ServiceProvider, out var orchestrator))
        {
            throw new InvalidOperationException($"No orchestrator named '{state.Name}' is registered in this worker.");
        }
        var parent = state.ParentInstance is { } p ? new ParentOrchestrationInstance(p.Name, p.OrchestrationInstance.InstanceId) : null;
        var executor = new TaskOrchestrationExecutor(state, _shims.CreateOrchestration(name, orchestrator, parent),
            BehaviorOnContinueAsNew.Carryover, ErrorPropagationMode.UseFailureDetails);
        context.SetProperty(executor.Execute());
        await next().ConfigureAwait(false);
    }

    /// <summary>Orchestrations are created in the dispatcher middleware, which knows the parent.</summary>
    private sealed class OrchestrationManager : INameVersionObjectManager<TaskOrchestration>
    {
        public void Add(ObjectCreator<TaskOrchestration> creator) => throw new NotSupportedException();

        public TaskOrchestration? GetObject(string name, string? version) => null;
    }

    /// <summary>
    /// Activities by name from the worker's factory. An unknown name fails the task with one error naming it and the
    /// known ones (as the embedded engine does): handing the dispatcher no activity would leave the work item to be
    /// retried forever and the orchestration waiting.
    /// </summary>
    private sealed class ActivityManager(AzureStorageDurableTaskWorker worker) : INameVersionObjectManager<CoreTaskActivity>
    {
        public void Add(ObjectCreator<CoreTaskActivity> creator) => throw new NotSupportedException();

        public CoreTaskActivity? GetObject(string name, string? version) =>
            worker.Factory.TryCreateActivity(new TaskName(name), worker._services, out var activity)
                ? worker._shims.CreateActivity(new TaskName(name), activity)
                : new UnknownActivity(new UnknownTaskException("activity", name, worker.ActivityNames()));
    }

    private IEnumerable<string> ActivityNames() =>
        _services.GetService<IOptionsMonitor<DurableTaskRegistry>>()?.Get(_name ?? Options.DefaultName).GetActivities().Select(a => a.Key.Name) ?? [];

    /// <summary>Stands for an activity no one registered: running it fails the task with <paramref name="error"/>.</summary>
    private sealed class UnknownActivity(UnknownTaskException error) : CoreTaskActivity
    {
        public override string Run(TaskContext context, string input) => throw error;

        public override Task<string> RunAsync(TaskContext context, string input) => Task.FromException<string>(error);
    }
}
