using System.Reflection;

namespace Serverless.Training.Contract;

/// <summary>The code version recorded with every job (the build's informational version, which carries the commit).</summary>
public static class TrainingCodeVersion
{
    public static string Current { get; } =
        typeof(TrainingCodeVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(TrainingCodeVersion).Assembly.GetName().Version?.ToString()
        ?? "unknown";
}
