using Serverless.Testing;

namespace Serverless.Workflows.Tests.RealRuntime;

/// <summary>The test classes of this assembly that share one run of the storage emulators.</summary>
[CollectionDefinition(Name)]
public sealed class EmulatorCollection : ICollectionFixture<EmulatorFixture>
{
    public const string Name = "Emulators";
}
