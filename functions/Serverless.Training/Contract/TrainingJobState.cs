using System.Text.Json.Serialization;

namespace Serverless.Training.Contract;

/// <summary>What a service knows about a job right now.</summary>
/// <param name="Name">The job name.</param>
/// <param name="Status">The lifecycle state.</param>
/// <param name="ErrorMessage">Why the job failed or was canceled, when it did.</param>
/// <param name="LogLocation">Where to read the job's logs: the Azure ML Studio page, or the local log file.</param>
/// <param name="StartedAtUtc">When the process started (local runner only).</param>
/// <param name="EndedAtUtc">When the job reached a terminal state (local runner only).</param>
/// <param name="ExitCode">The process exit code (local runner only).</param>
public sealed record TrainingJobState(
    string Name,
    TrainingJobStatus Status,
    string? ErrorMessage = null,
    string? LogLocation = null,
    DateTimeOffset? StartedAtUtc = null,
    DateTimeOffset? EndedAtUtc = null,
    int? ExitCode = null)
{
    /// <summary>True once the job will not change state again.</summary>
    [JsonIgnore]
    public bool IsTerminal => Status.IsTerminal();
}
