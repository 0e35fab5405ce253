namespace Serverless.Durable;

/// <summary>An orchestrator as the engine sees it: untyped input in, untyped output out.</summary>
public interface ITaskOrchestrator
{
    Type InputType { get; }

    Type OutputType { get; }

    Task<object?> RunAsync(IOrchestrationContext context, object? input);
}

/// <summary>
/// Base class for a typed orchestrator. Its registered name is the class name unless registered
/// under another one.
/// </summary>
public abstract class TaskOrchestrator<TInput, TOutput> : ITaskOrchestrator
{
    Type ITaskOrchestrator.InputType => typeof(TInput);

    Type ITaskOrchestrator.OutputType => typeof(TOutput);

    public abstract Task<TOutput> RunAsync(IOrchestrationContext context, TInput input);

    async Task<object?> ITaskOrchestrator.RunAsync(IOrchestrationContext context, object? input) =>
        await RunAsync(context, input is null ? default! : (TInput)input);
}
