namespace Serverless.Training.Configuration;

/// <summary>Where training runs, chosen by <c>Serverless:Training:Mode</c>.</summary>
public enum TrainingMode
{
    /// <summary>The workflow calls the trainer code directly, in its own process; no job service.</summary>
    InProcess,

    /// <summary>A child process of this machine (<see cref="Local.LocalTrainingJobService"/>).</summary>
    Local,

    /// <summary>An Azure Machine Learning command job (<see cref="AzureMl.AzureMlTrainingJobService"/>).</summary>
    AzureMl,
}
