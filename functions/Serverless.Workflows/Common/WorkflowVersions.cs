using System.Globalization;
using Microsoft.DurableTask;

namespace Serverless.Workflows.Common;

/// <summary>
/// The app's orchestration version. New instances start at <see cref="Current"/> (host.json's <c>defaultVersion</c>
/// on Azure, <c>Serverless:Engine:DefaultVersion</c> locally) and keep the version they started with for life, so
/// an orchestrator that changes its steps branches on <see cref="TaskOrchestrationContext.Version"/> and an instance
/// waiting across a deploy (a forecast waits a day for its review) replays the path it took.
/// </summary>
/// <remarks>
/// Versions: 1 (or none: instances from before versions were recorded) is the first release; 2 adds the review
/// reminder to WeeklyForecast.
/// </remarks>
public static class WorkflowVersions
{
    public const string Current = "2";

    public const int First = 1;

    public const int ReviewReminder = 2;

    /// <summary>
    /// The instance's version as a number, refusing one this code has no path for (a newer app's instance reaching
    /// an older worker, or a version nobody released) with an error that names the workflow and the versions it runs.
    /// </summary>
    public static int Of(TaskOrchestrationContext context, string workflow)
    {
        ArgumentNullException.ThrowIfNull(context);
        var text = context.Version;
        if (string.IsNullOrWhiteSpace(text)) return First;
        var newest = int.Parse(Current, CultureInfo.InvariantCulture);
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version >= First && version <= newest) return version;
        throw new UnsupportedWorkflowVersionException(workflow, text, First, newest);
    }
}

/// <summary>An instance started at a version this code has no path for.</summary>
public sealed class UnsupportedWorkflowVersionException(string workflow, string version, int first, int newest)
    : InvalidOperationException($"{workflow} has no code path for orchestration version '{version}'; this app runs versions {first} to {newest}. " +
        "Run the instance on the app version that started it, or terminate it.")
{
    public string Workflow { get; } = workflow;

    public string Version { get; } = version;
}
