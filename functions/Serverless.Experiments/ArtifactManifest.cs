using System.Reflection;

namespace Serverless.Experiments;

/// <summary>
/// What made an artifact: the code version (informational version, which carries the commit), the hash of the data
/// it was computed from, the parameters, and the instant the caller passed in (never the wall clock, so replays match).
/// </summary>
public sealed record ArtifactManifest(string Kind, string CodeVersion, string DataHash, IReadOnlyDictionary<string, string> Parameters, DateTimeOffset CreatedAt)
{
    public static string CurrentCodeVersion { get; } =
        typeof(ArtifactManifest).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}
