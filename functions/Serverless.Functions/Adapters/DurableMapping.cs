using Ours = Serverless.Durable;
using Dt = Microsoft.DurableTask;

namespace Serverless.Functions.Adapters;

/// <summary>
/// Translates between our programming model (Serverless.Durable) and Durable Task's: call options and
/// retry policies one way, failure details and exceptions the other. Both models use the same names and
/// meanings, so each mapping is field by field.
/// </summary>
public static class DurableMapping
{
    /// <summary>
    /// Our call options as Durable's: a sub-orchestration's chosen instance id and the retries. A plain
    /// policy becomes Durable's declarative <see cref="Dt.RetryPolicy"/> (run by the Durable Functions host);
    /// a policy with a failure filter becomes a retry handler that runs in the orchestrator, because a
    /// delegate cannot travel to the host. The handler keeps the same schedule: the same attempts, the same
    /// back-off (waited on a durable timer) and the same overall retry timeout.
    /// </summary>
    public static Dt.TaskOptions? ToDurable(Ours.TaskOptions? options)
    {
        if (options is null) return null;
        var retry = options.Retry is null ? null : ToDurableRetry(options.Retry);
        return options is Ours.SubOrchestrationOptions { InstanceId: { } instanceId }
            ? new Dt.SubOrchestrationOptions(retry, instanceId)
            : new Dt.TaskOptions(retry);
    }

    public static Dt.TaskRetryOptions ToDurableRetry(Ours.RetryPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.HandleFailure is null) return new Dt.TaskRetryOptions(ToDurable(policy));
        return new Dt.TaskRetryOptions(new Dt.AsyncRetryHandler(context => RetryAsync(policy, context)));
    }

    /// <summary>Our retry policy as Durable's declarative one (same attempts, intervals, coefficient and timeout).</summary>
    public static Dt.RetryPolicy ToDurable(Ours.RetryPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return new Dt.RetryPolicy(
            policy.MaxNumberOfAttempts,
            policy.FirstRetryInterval,
            policy.BackoffCoefficient,
            policy.MaxRetryInterval,
            policy.RetryTimeout);
    }

    /// <summary>
    /// One decision of the in-orchestrator retry handler: stop when the attempts are used up, the retry
    /// timeout has passed or the filter declines the failure; otherwise wait the policy's delay on a
    /// durable timer and retry.
    /// </summary>
    public static async Task<bool> RetryAsync(Ours.RetryPolicy policy, Dt.RetryContext context)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(context);
        if (context.LastAttemptNumber >= policy.MaxNumberOfAttempts) return false;
        if (policy.RetryTimeout != Timeout.InfiniteTimeSpan && context.TotalRetryTime >= policy.RetryTimeout) return false;
        if (policy.HandleFailure is { } handle && !handle(FromDurable(context.LastFailure))) return false;
        var delay = policy.GetDelayBeforeAttempt(context.LastAttemptNumber + 1);
        await context.OrchestrationContext.CreateTimer(delay, context.CancellationToken);
        return true;
    }

    /// <summary>Durable's failure details as ours, inner failures included.</summary>
    public static Ours.TaskFailureDetails FromDurable(Dt.TaskFailureDetails details)
    {
        ArgumentNullException.ThrowIfNull(details);
        return new Ours.TaskFailureDetails(
            details.ErrorType,
            details.ErrorMessage,
            details.StackTrace,
            details.InnerFailure is null ? null : FromDurable(details.InnerFailure));
    }

    /// <summary>The failure an orchestrator sees when a task it awaited failed on Durable Functions.</summary>
    public static Ours.TaskFailedException FromDurable(Dt.TaskFailedException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new Ours.TaskFailedException(exception.TaskName, exception.TaskId, FromDurable(exception.FailureDetails));
    }
}
