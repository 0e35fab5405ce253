using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Serverless.Durable;
using Serverless.Workflows.Demo;
using Serverless.Workflows.Forecasting;
using Serverless.Workflows.Inputs;
using Serverless.Workflows.Recommendations;

namespace Serverless.Workflows;

/// <summary>A workflow that may not be started from outside, or that does not exist.</summary>
public sealed class WorkflowNotStartableException(string message, bool isRegistered) : Exception(message)
{
    /// <summary>True when the workflow exists but runs only as a step of another (a sub-orchestration such as TrainingJob).</summary>
    public bool IsRegistered { get; } = isRegistered;
}

/// <summary>An input that a public workflow does not take; the message names the field and the rule.</summary>
public sealed class WorkflowInputException(string message) : ArgumentException(message);

/// <summary>
/// A workflow that may be started from outside (the HTTP API, the CLI, a timer schedule), with the input it
/// takes: its type, its default when none is sent, and what a valid one looks like.
/// </summary>
public sealed class WorkflowEntryPoint
{
    private static readonly JsonSerializerOptions StrictJson = Strict();

    private readonly Func<object> _default;
    private readonly Func<object, IEnumerable<string>> _problems;

    internal WorkflowEntryPoint(string name, Type inputType, Func<object> defaultInput, Func<object, IEnumerable<string>> problems, string summary)
    {
        Name = name;
        InputType = inputType;
        _default = defaultInput;
        _problems = problems;
        Summary = summary;
    }

    public string Name { get; }

    public Type InputType { get; }

    /// <summary>What the input holds, in one line, for errors and help.</summary>
    public string Summary { get; }

    /// <summary>
    /// The input as the workflow takes it: the default for no input (an empty body, JSON <c>null</c>), otherwise the
    /// JSON object read strictly (an unknown field is refused, so a misspelt or smuggled field is not silently
    /// dropped) and checked field by field.
    /// </summary>
    public object ReadInput(JsonElement? json)
    {
        if (json is not { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } value) return _default();
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new WorkflowInputException($"The input of {Name} must be a JSON object ({Summary}), not a JSON {value.ValueKind.ToString().ToLowerInvariant()}.");
        }
        object? input;
        try
        {
            input = value.Deserialize(InputType, StrictJson);
        }
        catch (JsonException ex)
        {
            throw new WorkflowInputException($"The input of {Name} is not valid{(ex.Path is { Length: > 1 } path ? $" at {path}" : "")}: {ex.Message} It takes: {Summary}.");
        }
        var problems = _problems(input ?? _default()).ToList();
        if (problems.Count > 0) throw new WorkflowInputException($"The input of {Name} is not valid: {string.Join("; ", problems)}.");
        return input ?? _default();
    }

    private static JsonSerializerOptions Strict()
    {
        var options = DurableJson.CreateOptions();
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        return options;
    }
}

/// <summary>
/// The public entry points: the only workflows the HTTP API, the CLI's <c>workflows start</c> and the timer schedules
/// may start, each with its input declared here once. Everything else in <see cref="WorkflowCatalog"/> runs only as a
/// step of these (TrainingJob is started by WeeklyForecast and RecommendationRefresh with a job spec the server builds;
/// ExperimentAggregation by <c>POST /api/events</c> and <c>events replay</c>), so no request can hand a workflow a
/// command, a job spec or a batch it did not check.
/// </summary>
public static class WorkflowEntryPoints
{
    public static IReadOnlyList<WorkflowEntryPoint> All { get; } =
    [
        new(DemoApprovalOrchestrator.Name, typeof(DemoInput), () => new DemoInput(), i => DemoProblems((DemoInput)i),
            "items (1-100000), timerSeconds (0-86400), approvalTimeoutMinutes (1-43200), all optional"),
        new(WeeklyForecastOrchestrator.Name, typeof(WeeklyForecastInput), () => new WeeklyForecastInput(), i => ForecastProblems((WeeklyForecastInput)i),
            "runDate (yyyy-MM-dd), configPath (a file in the input folder), config (a forecast config object), seed, dataset, all optional"),
        new(RecommendationRefreshOrchestrator.Name, typeof(RecommendationRefreshInput), () => new RecommendationRefreshInput(),
            i => RefreshProblems((RecommendationRefreshInput)i), "services (names of configured services; all when left out), seed, both optional"),
    ];

    /// <summary>The names of the public workflows, for messages.</summary>
    public static string Names => string.Join(", ", All.Select(e => e.Name));

    /// <summary>The entry point named <paramref name="name"/> (any case), or null.</summary>
    public static WorkflowEntryPoint? Find(string? name) =>
        All.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The entry point named <paramref name="name"/>; otherwise a refusal that says whether the workflow exists at all.</summary>
    public static WorkflowEntryPoint Require(string? name)
    {
        if (Find(name) is { } entry) return entry;
        var registered = name is not null && WorkflowCatalog.OrchestratorNames.Contains(name, StringComparer.OrdinalIgnoreCase);
        var shown = WorkflowInstanceIds.Shown(name);
        throw new WorkflowNotStartableException(registered
            ? $"'{shown}' runs only as a step of another workflow and cannot be started on its own. Workflows that can be started: {Names}."
            : $"There is no workflow '{shown}'. Workflows that can be started: {Names}.", registered);
    }

    private static IEnumerable<string> DemoProblems(DemoInput input)
    {
        if (input.Items is < 1 or > 100_000) yield return $"items must be from 1 to 100000, not {input.Items}";
        if (input.TimerSeconds is < 0 or > 86_400) yield return $"timerSeconds must be from 0 to 86400, not {input.TimerSeconds}";
        if (input.ApprovalTimeoutMinutes is < 1 or > 43_200) yield return $"approvalTimeoutMinutes must be from 1 to 43200, not {input.ApprovalTimeoutMinutes}";
    }

    private static IEnumerable<string> ForecastProblems(WeeklyForecastInput input)
    {
        if (input.RunDate is { } date && !DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            yield return $"runDate must be a date as yyyy-MM-dd, not '{WorkflowInstanceIds.Shown(date)}'";
        if (input.ConfigPath is { } path && InputFiles.Explain(path) is { } pathProblem)
            yield return $"configPath '{WorkflowInstanceIds.Shown(path)}' is refused: {pathProblem}";
        if (input.Config is { ValueKind: not JsonValueKind.Object and not JsonValueKind.Null and not JsonValueKind.Undefined } config)
            yield return $"config must be a JSON object, not a JSON {config.ValueKind.ToString().ToLowerInvariant()}";
        if (input.Dataset is { } dataset && DatasetProblem(dataset) is { } datasetProblem) yield return datasetProblem;
    }

    private static string? DatasetProblem(string dataset)
    {
        try
        {
            ForecastDatasets.ValidateName(dataset);
            return null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }

    private static IEnumerable<string> RefreshProblems(RecommendationRefreshInput input)
    {
        if (input.Services is not { } services) yield break;
        if (services.Count > 100) yield return $"services lists {services.Count} names; at most 100 are allowed";
        foreach (var service in services)
        {
            if (string.IsNullOrEmpty(service) || service.Length > 64 || !service.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                yield return $"services: '{WorkflowInstanceIds.Shown(service)}' is not a service name (1-64 letters, digits, '-' or '_')";
        }
    }
}
