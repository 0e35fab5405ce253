using Microsoft.DurableTask.Client;

namespace Serverless.Durable.Embedded.Persistence;

/// <summary>
/// An instance's status as stored in the engine database. The numbers are part of the file format (the
/// claim query filters on them), so they are the engine's own and mapped to the client's enum at the edge.
/// </summary>
internal enum InstanceStatus
{
    Pending = 0,
    Running = 1,
    Completed = 2,
    ContinuedAsNew = 3,
    Failed = 4,
    Canceled = 5,
    Terminated = 6,
    Suspended = 7,
}

internal static class InstanceStatusExtensions
{
    public static bool IsTerminal(this InstanceStatus status) =>
        status is InstanceStatus.Completed or InstanceStatus.Failed or InstanceStatus.Terminated or InstanceStatus.Canceled;

    public static OrchestrationRuntimeStatus ToRuntimeStatus(this InstanceStatus status) => status switch
    {
        InstanceStatus.Pending => OrchestrationRuntimeStatus.Pending,
        InstanceStatus.Running => OrchestrationRuntimeStatus.Running,
        InstanceStatus.Completed => OrchestrationRuntimeStatus.Completed,
        InstanceStatus.Failed => OrchestrationRuntimeStatus.Failed,
        InstanceStatus.Terminated => OrchestrationRuntimeStatus.Terminated,
        InstanceStatus.Suspended => OrchestrationRuntimeStatus.Suspended,
        _ => OrchestrationRuntimeStatus.Failed,
    };

    public static InstanceStatus ToInstanceStatus(this OrchestrationRuntimeStatus status) => status switch
    {
        OrchestrationRuntimeStatus.Pending => InstanceStatus.Pending,
        OrchestrationRuntimeStatus.Running => InstanceStatus.Running,
        OrchestrationRuntimeStatus.Completed => InstanceStatus.Completed,
        OrchestrationRuntimeStatus.Failed => InstanceStatus.Failed,
        OrchestrationRuntimeStatus.Terminated => InstanceStatus.Terminated,
        OrchestrationRuntimeStatus.Suspended => InstanceStatus.Suspended,
        _ => InstanceStatus.Canceled,
    };
}
