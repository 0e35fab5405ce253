namespace Serverless.Training.Contract;

/// <summary>
/// Everything needed to run one training job, on Azure Machine Learning or on this machine.
/// The same spec goes to either service; each reads the fields that apply to it.
/// </summary>
/// <remarks>
/// <see cref="Command"/> and <see cref="Arguments"/> follow Azure ML's command syntax: an argument may
/// contain <c>${{inputs.NAME}}</c> or <c>${{outputs.NAME}}</c>, which Azure ML replaces with the mounted
/// path and the local runner with the resolved local path.
/// </remarks>
public sealed record TrainingJobSpec
{
    /// <summary>
    /// The job's identity. Submitting the same name twice is a no-op, so callers derive it from the
    /// orchestration instance (see <see cref="TrainingJobName.FromInstance"/>).
    /// </summary>
    public required string Name { get; init; }

    /// <summary>The program to run, for example <c>serverless-trainer</c> or <c>python</c>.</summary>
    public required string Command { get; init; }

    /// <summary>Arguments after the program; placeholders allowed.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Datasets read by the job, by input name.</summary>
    public IReadOnlyDictionary<string, TrainingJobInput> Inputs { get; init; } = new Dictionary<string, TrainingJobInput>();

    /// <summary>Where the job writes (model folder, metrics), by output name.</summary>
    public IReadOnlyDictionary<string, TrainingJobOutput> Outputs { get; init; } = new Dictionary<string, TrainingJobOutput>();

    /// <summary>
    /// The output that holds <c>metrics.json</c> (or is that file, for a <see cref="TrainingDataKind.UriFile"/> output).
    /// Null when the job writes no metrics.
    /// </summary>
    public string? MetricsOutput { get; init; }

    /// <summary>
    /// What provides the program: an Azure ML environment (<c>azureml:serverless-trainer:1</c>, an
    /// <c>azureml://registries/...</c> URI or an ARM id), or for the local runner a path to an executable
    /// that stands in for <see cref="Command"/>. Null takes the service's configured default.
    /// </summary>
    public string? Environment { get; init; }

    /// <summary>Azure ML compute cluster name (or ARM id). Null takes the configured default; ignored locally.</summary>
    public string? Compute { get; init; }

    /// <summary>Instance count and VM size (the VM size decides the GPU type).</summary>
    public TrainingResources Resources { get; init; } = new();

    /// <summary>Maximum run time; the job is canceled when it is exceeded.</summary>
    public required TimeSpan Timeout { get; init; }

    /// <summary>Variables set in the job's process environment.</summary>
    public IReadOnlyDictionary<string, string> EnvironmentVariables { get; init; } = new Dictionary<string, string>();

    /// <summary>Shown in Azure ML Studio; defaults to <see cref="Name"/>.</summary>
    public string? DisplayName { get; init; }

    /// <summary>Azure ML experiment that groups related jobs; null takes the configured default.</summary>
    public string? ExperimentName { get; init; }

    /// <summary>Free-form labels recorded with the job.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
}

/// <summary>A dataset the job reads: <c>azureml://...</c>, <c>https://&lt;account&gt;.blob.core.windows.net/...</c> or <c>file:...</c>.</summary>
public sealed record TrainingJobInput(string Uri, TrainingDataKind Kind = TrainingDataKind.UriFolder);

/// <summary>A location the job writes to.</summary>
public sealed record TrainingJobOutput(string Uri, TrainingDataKind Kind = TrainingDataKind.UriFolder);

/// <summary>Azure ML's data binding types that this project uses.</summary>
public enum TrainingDataKind
{
    /// <summary>A folder (<c>uri_folder</c>).</summary>
    UriFolder,

    /// <summary>A single file (<c>uri_file</c>).</summary>
    UriFile,
}

/// <summary>Compute resources for the job. <see cref="InstanceType"/> is the VM size, for example <c>Standard_NC6s_v3</c>.</summary>
public sealed record TrainingResources(int InstanceCount = 1, string? InstanceType = null);
