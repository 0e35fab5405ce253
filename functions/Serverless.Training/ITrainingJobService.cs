using Serverless.Training.Contract;

namespace Serverless.Training;

/// <summary>
/// Runs training jobs somewhere other than the calling process. Each member is one activity of the
/// TrainingJob sub-orchestration: submit, poll the status, cancel on timeout, collect the outputs.
/// Implementations: <see cref="AzureMl.AzureMlTrainingJobService"/> and <see cref="Local.LocalTrainingJobService"/>.
/// </summary>
public interface ITrainingJobService
{
    /// <summary>Every problem with <paramref name="spec"/> for this service, without submitting anything.</summary>
    Task<IReadOnlyList<TrainingJobProblem>> ValidateAsync(TrainingJobSpec spec, CancellationToken cancellationToken = default);

    /// <summary>
    /// Validates and submits the job. Idempotent by name: when a job of that name already exists,
    /// nothing is submitted and its current state is returned.
    /// </summary>
    /// <exception cref="TrainingJobValidationException">The spec has problems; nothing was submitted.</exception>
    /// <exception cref="TrainingJobRejectedException">The service refused the job (unknown compute or environment, ...).</exception>
    Task<TrainingJobState> SubmitAsync(TrainingJobSpec spec, CancellationToken cancellationToken = default);

    /// <summary>The job's current state.</summary>
    /// <exception cref="TrainingJobNotFoundException">No job of that name exists.</exception>
    Task<TrainingJobState> GetStatusAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Asks the job to stop. Returns the state after the request: <see cref="TrainingJobStatus.CancelRequested"/>
    /// while the service winds the job down, or the terminal state. A terminal job is left as it is.
    /// </summary>
    Task<TrainingJobState> CancelAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>The outputs of a completed job and its metrics file, if it wrote one.</summary>
    /// <exception cref="InvalidOperationException">The job has not completed.</exception>
    Task<TrainingJobOutputs> GetOutputsAsync(string name, CancellationToken cancellationToken = default);
}
