using Serverless.Training.Contract;

namespace Serverless.Workflows.Training;

/// <summary>
/// The job specs of the two trainer commands (<c>serverless-trainer als</c> and <c>forecast</c>), the same
/// for the local runner and Azure ML: inputs and the output folder are URIs, the command line refers to
/// them by placeholder, and the output folder holds the model, <c>metrics.json</c> and <c>manifest.json</c>.
/// </summary>
public static class TrainerJobSpecs
{
    /// <summary>Stands in for the name until the TrainingJob sub-orchestration derives it from its instance id.</summary>
    public const string NameFromInstance = "named-by-instance";

    public const string ModelOutput = "model";

    public static TrainingJobSpec Als(TrainingJobDefaults defaults, string interactionsUri, string configUri, string outputUri,
        string displayName, IReadOnlyDictionary<string, string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        return Spec(defaults,
            [
                "als", "--interactions", "${{inputs.interactions}}", "--config", "${{inputs.config}}",
                "--output", "${{outputs.model}}", "--device", defaults.Device,
            ],
            new Dictionary<string, TrainingJobInput>(StringComparer.Ordinal)
            {
                ["interactions"] = new(interactionsUri, TrainingDataKind.UriFile),
                ["config"] = new(configUri, TrainingDataKind.UriFile),
            },
            outputUri, displayName, tags);
    }

    public static TrainingJobSpec Forecast(TrainingJobDefaults defaults, string aggregatesUri, string configUri, string outputUri, string codeVersion,
        string displayName, IReadOnlyDictionary<string, string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        return Spec(defaults,
            [
                "forecast", "--aggregates", "${{inputs.aggregates}}", "--config", "${{inputs.config}}",
                "--output", "${{outputs.model}}", "--code-version", codeVersion,
            ],
            new Dictionary<string, TrainingJobInput>(StringComparer.Ordinal)
            {
                ["aggregates"] = new(aggregatesUri, TrainingDataKind.UriFolder),
                ["config"] = new(configUri, TrainingDataKind.UriFile),
            },
            outputUri, displayName, tags);
    }

    /// <summary>What every trainer job shares: the model folder as its output and metrics source, and the defaults' resources and timeout.</summary>
    private static TrainingJobSpec Spec(TrainingJobDefaults defaults, IReadOnlyList<string> arguments,
        Dictionary<string, TrainingJobInput> inputs, string outputUri, string displayName, IReadOnlyDictionary<string, string>? tags) =>
        WithTrainer(defaults, new TrainingJobSpec
        {
            Name = NameFromInstance,
            Command = defaults.Command,
            Arguments = arguments,
            Inputs = inputs,
            Outputs = new Dictionary<string, TrainingJobOutput>(StringComparer.Ordinal) { [ModelOutput] = new(outputUri) },
            MetricsOutput = ModelOutput,
            Resources = defaults.Resources,
            Timeout = defaults.Timeout,
            DisplayName = displayName,
            Tags = tags ?? new Dictionary<string, string>(),
        });

    /// <summary>
    /// With a published trainer folder configured, the job runs <c>dotnet ${{inputs.trainer}}/serverless-trainer.dll ...</c>
    /// with that folder as an input, so a plain .NET runtime image needs nothing built into it.
    /// </summary>
    private static TrainingJobSpec WithTrainer(TrainingJobDefaults defaults, TrainingJobSpec spec)
    {
        if (defaults.TrainerUri is not { } trainer) return spec;
        return spec with
        {
            Command = "dotnet",
            Arguments = ["${{inputs.trainer}}/serverless-trainer.dll", .. spec.Arguments],
            Inputs = new Dictionary<string, TrainingJobInput>(spec.Inputs, StringComparer.Ordinal) { ["trainer"] = new(trainer) },
        };
    }
}
