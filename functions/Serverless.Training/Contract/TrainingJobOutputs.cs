namespace Serverless.Training.Contract;

/// <summary>What a completed job produced.</summary>
/// <param name="Name">The job name.</param>
/// <param name="Outputs">Each output's URI, by output name.</param>
/// <param name="MetricsUri">Where the metrics file is, when the spec named a metrics output.</param>
/// <param name="MetricsJson">The metrics file's content, when the job wrote one and it could be read.</param>
public sealed record TrainingJobOutputs(
    string Name,
    IReadOnlyDictionary<string, string> Outputs,
    string? MetricsUri = null,
    string? MetricsJson = null)
{
    /// <summary>The file a job writes its metrics to, inside its metrics output folder.</summary>
    public const string MetricsFileName = "metrics.json";
}
