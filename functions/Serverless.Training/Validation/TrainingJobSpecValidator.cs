using System.Globalization;
using System.Text.RegularExpressions;
using Serverless.Training.Contract;

namespace Serverless.Training.Validation;

/// <summary>
/// The rules every spec meets whichever service runs it. Each service adds its own checks (files
/// exist locally; Azure ML needs a compute and an Azure ML environment). Every problem is reported,
/// not just the first.
/// </summary>
public static partial class TrainingJobSpecValidator
{
    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex Identifier();

    public static IReadOnlyList<TrainingJobProblem> Validate(TrainingJobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var problems = new List<TrainingJobProblem>();

        if (TrainingJobName.Explain(spec.Name) is { } nameProblem) problems.Add(new("name", nameProblem));

        if (string.IsNullOrWhiteSpace(spec.Command)) problems.Add(new("command", "is required (the program to run)"));
        else if (spec.Command.Any(char.IsControl)) problems.Add(new("command", "must be a single line without control characters"));

        CheckData("inputs", spec.Inputs?.ToDictionary(p => p.Key, p => p.Value?.Uri), problems);
        CheckData("outputs", spec.Outputs?.ToDictionary(p => p.Key, p => p.Value?.Uri), problems);
        CheckPlaceholders(spec, problems);

        if (spec.MetricsOutput is not null && spec.Outputs is not null && !spec.Outputs.ContainsKey(spec.MetricsOutput))
        {
            problems.Add(new("metricsOutput", $"names '{spec.MetricsOutput}', but no output of that name is declared"));
        }

        if (spec.Environment is not null && string.IsNullOrWhiteSpace(spec.Environment)) problems.Add(new("environment", "must not be blank (leave it null for the default)"));
        if (spec.Compute is not null && string.IsNullOrWhiteSpace(spec.Compute)) problems.Add(new("compute", "must not be blank (leave it null for the default)"));

        if (spec.Resources is null) problems.Add(new("resources", "must not be null"));
        else
        {
            if (spec.Resources.InstanceCount < 1) problems.Add(new("resources.instanceCount", $"must be at least 1 (was {spec.Resources.InstanceCount})"));
            if (spec.Resources.InstanceType is not null && string.IsNullOrWhiteSpace(spec.Resources.InstanceType)) problems.Add(new("resources.instanceType", "must not be blank (leave it null for the cluster's VM size)"));
        }

        if (spec.Timeout <= TimeSpan.Zero) problems.Add(new("timeout", $"must be greater than zero (was {spec.Timeout.ToString("c", CultureInfo.InvariantCulture)})"));

        if (spec.EnvironmentVariables is null) problems.Add(new("environmentVariables", "must not be null"));
        else
        {
            foreach (var (key, value) in spec.EnvironmentVariables)
            {
                if (!Identifier().IsMatch(key)) problems.Add(new($"environmentVariables.{key}", "is not a valid variable name (letters, digits and '_', not starting with a digit)"));
                if (value is null) problems.Add(new($"environmentVariables.{key}", "has no value"));
            }
        }

        if (spec.Tags is null) problems.Add(new("tags", "must not be null"));
        return problems;
    }

    private static void CheckData(string field, IReadOnlyDictionary<string, string?>? uris, List<TrainingJobProblem> problems)
    {
        if (uris is null)
        {
            problems.Add(new(field, "must not be null"));
            return;
        }
        foreach (var (name, uri) in uris)
        {
            var where = $"{field}.{name}";
            if (!Identifier().IsMatch(name)) problems.Add(new(where, "is not a valid name (letters, digits and '_', not starting with a digit)"));
            if (string.IsNullOrWhiteSpace(uri))
            {
                problems.Add(new(where, "has no URI"));
                continue;
            }
            var scheme = TrainingUri.SchemeOf(uri);
            if (scheme is null || !TrainingUri.SupportedSchemes.Contains(scheme))
            {
                problems.Add(new(where, $"URI '{uri}' is not supported; use one of {string.Join(", ", TrainingUri.SupportedSchemes.Select(s => s + ":"))}"));
            }
        }
    }

    private static void CheckPlaceholders(TrainingJobSpec spec, List<TrainingJobProblem> problems)
    {
        if (spec.Arguments is null)
        {
            problems.Add(new("arguments", "must not be null"));
            return;
        }
        var texts = new List<(string Field, string? Text)> { ("command", spec.Command) };
        texts.AddRange(spec.Arguments.Select((argument, i) => ($"arguments[{i}]", (string?)argument)));
        foreach (var (field, text) in texts)
        {
            if (text is null)
            {
                problems.Add(new(field, "must not be null"));
                continue;
            }
            if (CommandTemplate.FindMalformed(text) is { } malformed)
            {
                problems.Add(new(field, $"has a malformed placeholder '{malformed}'; expected ${{{{inputs.<name>}}}} or ${{{{outputs.<name>}}}}"));
            }
            foreach (var placeholder in CommandTemplate.Find(text))
            {
                var declared = placeholder.Kind == PlaceholderKind.Inputs
                    ? spec.Inputs?.ContainsKey(placeholder.Name)
                    : spec.Outputs?.ContainsKey(placeholder.Name);
                if (declared == false)
                {
                    var kind = placeholder.Kind == PlaceholderKind.Inputs ? "input" : "output";
                    problems.Add(new(field, $"refers to {placeholder}, but no {kind} named '{placeholder.Name}' is declared"));
                }
            }
        }
    }
}
