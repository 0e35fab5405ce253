using Microsoft.Extensions.Logging;
using Ours = Serverless.Durable;
using Dt = Microsoft.DurableTask;

namespace Serverless.Functions.Adapters;

/// <summary>
/// Our <see cref="Ours.IOrchestrationContext"/> over Durable Functions' <see cref="Dt.TaskOrchestrationContext"/>,
/// so the orchestrators in Serverless.Workflows run unchanged on Azure. Each member is one call to the Durable
/// member of the same name; options are mapped by <see cref="DurableMapping"/>, and a failed task surfaces as
/// our <see cref="Ours.TaskFailedException"/>, which is what orchestrators catch.
/// </summary>
public sealed class DurableOrchestrationContextAdapter : Ours.IOrchestrationContext
{
    private readonly Dt.TaskOrchestrationContext _inner;
    private readonly ILoggerFactory _loggerFactory;

    public DurableOrchestrationContextAdapter(Dt.TaskOrchestrationContext inner, ILoggerFactory loggerFactory)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _loggerFactory = loggerFactory ?? throw new ArgumentNullException(nameof(loggerFactory));
    }

    public string Name => _inner.Name.Name;

    public string InstanceId => _inner.InstanceId;

    public Ours.ParentOrchestrationInstance? Parent =>
        _inner.Parent is { } parent ? new Ours.ParentOrchestrationInstance(parent.Name.Name, parent.InstanceId) : null;

    public DateTime CurrentUtcDateTime => _inner.CurrentUtcDateTime;

    public bool IsReplaying => _inner.IsReplaying;

    public T? GetInput<T>() => _inner.GetInput<T>();

    public async Task<TResult> CallActivityAsync<TResult>(string name, object? input = null, Ours.TaskOptions? options = null)
    {
        try
        {
            return await _inner.CallActivityAsync<TResult>(name, input, DurableMapping.ToDurable(options));
        }
        catch (Dt.TaskFailedException failed)
        {
            throw DurableMapping.FromDurable(failed);
        }
    }

    public async Task CallActivityAsync(string name, object? input = null, Ours.TaskOptions? options = null)
    {
        try
        {
            await _inner.CallActivityAsync(name, input, DurableMapping.ToDurable(options));
        }
        catch (Dt.TaskFailedException failed)
        {
            throw DurableMapping.FromDurable(failed);
        }
    }

    public async Task<TResult> CallSubOrchestratorAsync<TResult>(string orchestratorName, object? input = null, Ours.TaskOptions? options = null)
    {
        try
        {
            return await _inner.CallSubOrchestratorAsync<TResult>(orchestratorName, input, DurableMapping.ToDurable(options));
        }
        catch (Dt.TaskFailedException failed)
        {
            throw DurableMapping.FromDurable(failed);
        }
    }

    public async Task CallSubOrchestratorAsync(string orchestratorName, object? input = null, Ours.TaskOptions? options = null)
    {
        try
        {
            await _inner.CallSubOrchestratorAsync(orchestratorName, input, DurableMapping.ToDurable(options));
        }
        catch (Dt.TaskFailedException failed)
        {
            throw DurableMapping.FromDurable(failed);
        }
    }

    public Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken) => _inner.CreateTimer(fireAt, cancellationToken);

    public Task CreateTimer(TimeSpan delay, CancellationToken cancellationToken) => _inner.CreateTimer(delay, cancellationToken);

    public Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default) =>
        _inner.WaitForExternalEvent<T>(eventName, cancellationToken);

    /// <summary>
    /// The event or, after <paramref name="timeout"/> on a durable timer, <see cref="TaskCanceledException"/>
    /// (as Durable's own overload does). Built here from the timer and the cancellable wait so that whichever
    /// loses is cancelled: an abandoned timer would keep the instance running until it fires.
    /// </summary>
    public async Task<T> WaitForExternalEvent<T>(string eventName, TimeSpan timeout)
    {
        using var timerCancellation = new CancellationTokenSource();
        using var eventCancellation = new CancellationTokenSource();
        var timer = _inner.CreateTimer(timeout, timerCancellation.Token);
        var received = _inner.WaitForExternalEvent<T>(eventName, eventCancellation.Token);
        var first = await Task.WhenAny(timer, received);
        if (first == received) timerCancellation.Cancel();
        else eventCancellation.Cancel();
        return await received;
    }

    public void SendEvent(string instanceId, string eventName, object? payload) => _inner.SendEvent(instanceId, eventName, payload!);

    public void SetCustomStatus(object? customStatus) => _inner.SetCustomStatus(customStatus);

    public void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true) =>
        _inner.ContinueAsNew(newInput, preserveUnprocessedEvents);

    public Guid NewGuid() => _inner.NewGuid();

    public ILogger CreateReplaySafeLogger(string categoryName) =>
        new Ours.ReplaySafeLogger(_loggerFactory.CreateLogger(categoryName), () => _inner.IsReplaying);
}
