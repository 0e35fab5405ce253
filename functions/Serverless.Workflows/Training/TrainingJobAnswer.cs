using Serverless.Training.Contract;

namespace Serverless.Workflows.Training;

/// <summary>What a call to the job service answered, as far as the TrainingJob orchestration is concerned.</summary>
public enum TrainingJobAnswerKind
{
    /// <summary>The service answered with the job's state.</summary>
    State,

    /// <summary>The service is throttling calls (429): ask again after <see cref="TrainingJobAnswer.RetryAfter"/>.</summary>
    Throttled,

    /// <summary>The service does not know the job, which right after a submit can be a read that ran ahead of the write.</summary>
    NotFound,
}

/// <summary>
/// The output of the submit, status and cancel activities. Throttling and a job that reads as missing
/// are answers, not failures, so the orchestration can wait them out on durable timers: an activity
/// that threw would reach the orchestration as a type name and a message only, without the wait the
/// service asked for. Everything else an activity meets is still thrown.
/// </summary>
public sealed record TrainingJobAnswer(TrainingJobAnswerKind Kind, TrainingJobState? State = null, TimeSpan? RetryAfter = null, string? Message = null)
{
    public static TrainingJobAnswer Of(TrainingJobState state) => new(TrainingJobAnswerKind.State, state);

    /// <summary>Runs one service call and turns throttling and "not found" into answers.</summary>
    public static async Task<TrainingJobAnswer> CallAsync(Func<Task<TrainingJobState>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return Of(await call().ConfigureAwait(false));
        }
        catch (TrainingServiceException ex) when (ex.IsThrottled)
        {
            return new TrainingJobAnswer(TrainingJobAnswerKind.Throttled, RetryAfter: ex.RetryAfter, Message: ex.Message);
        }
        catch (TrainingJobNotFoundException ex)
        {
            return new TrainingJobAnswer(TrainingJobAnswerKind.NotFound, Message: ex.Message);
        }
    }
}
