namespace Serverless.Durable;

/// <summary>
/// Thrown into an orchestrator when an activity or sub-orchestration it awaited failed. The
/// original exception does not travel; its <see cref="FailureDetails"/> do.
/// </summary>
public sealed class TaskFailedException : Exception
{
    public TaskFailedException(string taskName, int taskId, TaskFailureDetails failureDetails)
        : base($"Task '{taskName}' (#{taskId}) failed with an unhandled exception: {failureDetails.ErrorMessage}")
    {
        TaskName = taskName;
        TaskId = taskId;
        FailureDetails = failureDetails;
    }

    public string TaskName { get; }

    public int TaskId { get; }

    public TaskFailureDetails FailureDetails { get; }
}
