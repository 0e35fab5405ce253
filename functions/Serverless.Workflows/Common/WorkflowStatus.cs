namespace Serverless.Workflows.Common;

/// <summary>
/// The custom status every workflow reports: which step it is on, how far along, and what it waits for.
/// The CLI, the host's pages and the HTTP status route all show it.
/// </summary>
/// <param name="Warnings">What went wrong without stopping the run, such as a notification no sink took; null when nothing did.</param>
public sealed record WorkflowStatus(
    string Step,
    string? Detail = null,
    int Done = 0,
    int Total = 0,
    string? WaitingFor = null,
    IReadOnlyList<string>? Warnings = null)
{
    public static WorkflowStatus Progress(string step, int done, int total, string? detail = null) => new(step, detail, done, total);

    public static WorkflowStatus Waiting(string step, string eventName, string? detail = null) => new(step, detail, WaitingFor: eventName);
}
