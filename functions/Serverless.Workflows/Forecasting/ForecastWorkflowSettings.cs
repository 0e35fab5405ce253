using Microsoft.Extensions.Configuration;

namespace Serverless.Workflows.Forecasting;

/// <summary>
/// <c>Serverless:Forecast:*</c>: <c>Dataset</c> (default <c>builtin</c>), <c>ConfigPath</c> (a forecast
/// config file; default: the library defaults), <c>Training</c> (<c>InProcess</c> | <c>Job</c>).
/// </summary>
public sealed record ForecastWorkflowSettings(string Dataset, string? ConfigPath, string Training)
{
    public const string Section = "Serverless:Forecast";

    public static ForecastWorkflowSettings From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var training = section["Training"];
        var mode = string.IsNullOrWhiteSpace(training) || string.Equals(training, ForecastTrainingMode.InProcess, StringComparison.OrdinalIgnoreCase)
            ? ForecastTrainingMode.InProcess
            : string.Equals(training, ForecastTrainingMode.Job, StringComparison.OrdinalIgnoreCase)
                ? ForecastTrainingMode.Job
                : throw new ArgumentException($"configuration {Section}:Training: '{training}' is not {ForecastTrainingMode.InProcess} or {ForecastTrainingMode.Job}.");
        var dataset = section["Dataset"];
        var configPath = section["ConfigPath"];
        return new ForecastWorkflowSettings(
            string.IsNullOrWhiteSpace(dataset) ? ForecastArtifacts.DefaultDataset : dataset,
            string.IsNullOrWhiteSpace(configPath) ? null : configPath,
            mode);
    }
}
