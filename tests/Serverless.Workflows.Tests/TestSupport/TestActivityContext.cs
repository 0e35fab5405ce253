using Microsoft.DurableTask;

namespace Serverless.Workflows.Tests.TestSupport;

/// <summary>What an activity sees of its call when a test runs it directly, without an engine.</summary>
internal sealed class TestActivityContext(string name, string instanceId) : TaskActivityContext
{
    public override TaskName Name { get; } = name;

    public override string InstanceId { get; } = instanceId;
}
