using Microsoft.DurableTask;

namespace Serverless.Durable.Embedded.History;

/// <summary>
/// A failure as the engine stores it: the parts of <see cref="TaskFailureDetails"/> that survive a
/// database round trip (type, message, stack trace and the failure that caused it).
/// </summary>
internal sealed record StoredFailure(string ErrorType, string ErrorMessage, string? StackTrace = null, StoredFailure? InnerFailure = null)
{
    public static StoredFailure From(TaskFailureDetails details) =>
        new(details.ErrorType, details.ErrorMessage, details.StackTrace, details.InnerFailure is null ? null : From(details.InnerFailure));

    public static StoredFailure FromException(Exception exception) => From(TaskFailureDetails.FromException(exception));

    /// <summary>
    /// An orchestrator's unhandled exception. A failed task's exception keeps the task's own failure as its
    /// inner failure, as Durable Task records it, so the root cause survives any number of levels.
    /// </summary>
    public static StoredFailure FromOrchestratorException(Exception exception) => exception is TaskFailedException failed
        ? new StoredFailure(failed.GetType().FullName!, failed.Message, failed.StackTrace, From(failed.FailureDetails))
        : FromException(exception);

    public TaskFailureDetails ToDetails() => new(ErrorType, ErrorMessage, StackTrace, InnerFailure?.ToDetails(), null);

    public override string ToString() => InnerFailure is null ? $"{ErrorType}: {ErrorMessage}" : $"{ErrorType}: {ErrorMessage} ---> {InnerFailure}";
}
