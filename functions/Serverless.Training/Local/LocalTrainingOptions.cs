namespace Serverless.Training.Local;

/// <summary>Settings of the local runner.</summary>
public sealed record LocalTrainingOptions
{
    /// <summary>
    /// The local blob store's root folder: <c>file:</c> URIs with a relative path resolve against it,
    /// and job folders live under <c>jobs/</c> in it.
    /// </summary>
    public required string RootDirectory { get; init; }

    /// <summary>
    /// The executable that stands in for a spec's command when the spec names no local environment,
    /// for example the built <c>serverless-trainer</c>. Null runs the command itself (looked up on PATH).
    /// </summary>
    public string? TrainerExecutable { get; init; }

    /// <summary>How many of the log's last lines a failed job's error message carries.</summary>
    public int ErrorLogLines { get; init; } = 20;

    /// <summary>How long a cancel waits for the killed process to be reaped before returning CancelRequested.</summary>
    public TimeSpan CancelWait { get; init; } = TimeSpan.FromSeconds(30);
}
