using Serverless.Training.Contract;

namespace Serverless.Workflows.Training;

/// <summary>
/// Input of the TrainingJob sub-orchestration. The spec's <see cref="TrainingJobSpec.Name"/> is replaced
/// by the name derived from the sub-orchestration's instance id, so a repeated submit (a host restart,
/// a redelivered activity) finds the job already there instead of starting a second one.
/// </summary>
public sealed record TrainingJobRequest(TrainingJobSpec Spec, TrainingJobMonitorSettings? Monitor = null);

/// <summary>Output of a TrainingJob that completed: where its outputs are and what its metrics say.</summary>
/// <param name="Name">The job name.</param>
/// <param name="Outputs">Each output's URI, by output name.</param>
/// <param name="MetricsUri">Where the metrics file is, when the job declared one.</param>
/// <param name="MetricsJson">The metrics file's content, when it could be read.</param>
/// <param name="LogLocation">Where the job's log is.</param>
/// <param name="Polls">How many status polls the monitor made.</param>
/// <param name="SubmittedAtUtc">Orchestration time of the submission.</param>
/// <param name="CompletedAtUtc">Orchestration time the completion was seen.</param>
public sealed record TrainingJobResult(
    string Name,
    IReadOnlyDictionary<string, string> Outputs,
    string? MetricsUri,
    string? MetricsJson,
    string? LogLocation,
    int Polls,
    DateTime SubmittedAtUtc,
    DateTime CompletedAtUtc);

/// <summary>
/// A training job did not complete: it failed, was canceled, timed out, or could not be submitted.
/// The message carries the job's status, its error and where its log is.
/// </summary>
public sealed class TrainingJobFailedException : Exception
{
    public TrainingJobFailedException(string jobName, TrainingJobStatus? status, string message, string? logLocation, Exception? innerException = null)
        : base(message + (logLocation is null ? "" : $" Log: {logLocation}"), innerException)
    {
        JobName = jobName;
        Status = status;
        LogLocation = logLocation;
    }

    public string JobName { get; }

    /// <summary>The job's last known status; null when it was never submitted.</summary>
    public TrainingJobStatus? Status { get; }

    public string? LogLocation { get; }
}
