namespace Serverless.Durable;

/// <summary>The runtime status of an orchestration instance (the values Durable Task uses).</summary>
public enum OrchestrationRuntimeStatus
{
    /// <summary>Scheduled but not yet started (for example, a start time in the future).</summary>
    Pending,
    Running,
    Completed,
    ContinuedAsNew,
    Failed,
    Canceled,
    Terminated,
    Suspended,
}

public static class OrchestrationRuntimeStatusExtensions
{
    /// <summary>True when the instance will not run again (completed, failed or terminated).</summary>
    public static bool IsTerminal(this OrchestrationRuntimeStatus status) =>
        status is OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed
            or OrchestrationRuntimeStatus.Terminated or OrchestrationRuntimeStatus.Canceled;
}
