using Microsoft.DurableTask;

namespace Serverless.Durable.Embedded.Execution;

/// <summary>What an activity learns about its call on the embedded engine; its token fires when the engine stops.</summary>
internal sealed class EmbeddedActivityContext(TaskName name, string instanceId, CancellationToken cancellationToken)
    : TaskActivityContext, ICancellableActivityContext
{
    public override TaskName Name { get; } = name;

    public override string InstanceId { get; } = instanceId;

    public CancellationToken CancellationToken { get; } = cancellationToken;
}
