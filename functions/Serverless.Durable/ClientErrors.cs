using Microsoft.DurableTask.Client;

namespace Serverless.Durable;

// The errors this project's clients raise for a caller's mistake. Each derives from the exception type
// Durable Task's own clients use for the same case, so code that catches those keeps working.

/// <summary>No orchestrator or activity is registered under the requested name.</summary>
public sealed class UnknownTaskException(string kind, string name, IEnumerable<string> known)
    : ArgumentException($"No {kind} named '{name}' is registered. Known {Plural(kind)}: {FormatKnown(known)}.")
{
    public string Kind { get; } = kind;

    public string RequestedName { get; } = name;

    private static string Plural(string kind) => kind.EndsWith('y') ? kind[..^1] + "ies" : kind + "s";

    private static string FormatKnown(IEnumerable<string> known)
    {
        var list = known.OrderBy(n => n, StringComparer.OrdinalIgnoreCase).ToList();
        return list.Count == 0 ? "(none)" : string.Join(", ", list);
    }
}

/// <summary>An instance with the requested id already exists.</summary>
public sealed class InstanceAlreadyExistsException(string instanceId, OrchestrationRuntimeStatus status)
    : InvalidOperationException($"An orchestration instance with id '{instanceId}' already exists (status {status}); choose another id or purge it first.")
{
    public string InstanceId { get; } = instanceId;
}

/// <summary>No instance with the requested id exists.</summary>
public sealed class InstanceNotFoundException(string instanceId)
    : ArgumentException($"No orchestration instance with id '{instanceId}' exists.")
{
    public string InstanceId { get; } = instanceId;
}

/// <summary>The operation needs a running (or pending) instance and this one has finished, or the reverse.</summary>
public sealed class InstanceStateException(string instanceId, OrchestrationRuntimeStatus status, string operation)
    : InvalidOperationException($"Cannot {operation} orchestration instance '{instanceId}': its status is {status}.")
{
    public string InstanceId { get; } = instanceId;

    public OrchestrationRuntimeStatus Status { get; } = status;
}

/// <summary>An input or payload is not what the orchestrator or activity expects.</summary>
public sealed class InvalidPayloadException(string message, Exception? inner = null) : ArgumentException(message, inner);

public static class OrchestrationRuntimeStatusExtensions
{
    /// <summary>True when the instance will not run again (completed, failed or terminated).</summary>
    public static bool IsTerminal(this OrchestrationRuntimeStatus status) =>
        status is OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated;
}
