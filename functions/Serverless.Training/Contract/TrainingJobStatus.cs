namespace Serverless.Training.Contract;

/// <summary>A job's lifecycle state, with Azure Machine Learning's own values and names.</summary>
public enum TrainingJobStatus
{
    NotStarted,
    Starting,
    Provisioning,
    Preparing,
    Queued,
    Running,
    Finalizing,
    CancelRequested,
    Completed,
    Failed,
    Canceled,
    NotResponding,
    Paused,
    Unknown,
}

public static class TrainingJobStatusExtensions
{
    /// <summary>
    /// True for the states a job never leaves. NotResponding and Paused are not terminal in Azure ML
    /// (a job can recover or resume); the caller's own timeout covers a job stuck in them.
    /// </summary>
    public static bool IsTerminal(this TrainingJobStatus status) =>
        status is TrainingJobStatus.Completed or TrainingJobStatus.Failed or TrainingJobStatus.Canceled;
}
