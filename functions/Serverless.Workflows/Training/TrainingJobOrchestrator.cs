using System.Globalization;
using Microsoft.DurableTask;
using Serverless.Durable;
using Serverless.Training.Contract;
using Serverless.Workflows.Common;

namespace Serverless.Workflows.Training;

/// <summary>
/// The TrainingJob sub-orchestration: submit a job to the configured service (local runner or Azure
/// ML), watch it with durable timers and back-off, and return its outputs; fail with the job's status,
/// error and log location when it fails or is canceled; cancel it and fail when it outlives its timeout.
/// </summary>
/// <remarks>
/// <para>The job name comes from the instance id (<see cref="TrainingJobName.FromInstance"/>), so a
/// submit that runs again (a redelivered activity, a replay after a host restart) is a no-op and the
/// monitor simply resumes. Parents start it with a chosen instance id, for example
/// <c>{parent}-train-{model}</c>.</para>
/// <para>The timeout is measured in orchestration time from the submission. Service calls are retried
/// on transient service errors (<see cref="TrainingServiceException"/>) only; a spec the service refuses
/// fails the orchestration at once with the service's message.</para>
/// </remarks>
public sealed class TrainingJobOrchestrator : TaskOrchestrator<TrainingJobRequest, TrainingJobResult>
{
    public const string Name = "TrainingJob";

    public override async Task<TrainingJobResult> RunAsync(TaskOrchestrationContext context, TrainingJobRequest input)
    {
        ArgumentNullException.ThrowIfNull(input?.Spec, nameof(input));
        var settings = input.Monitor ?? TrainingJobMonitorSettings.Default;
        if (settings.Problems() is { Count: > 0 } problems)
        {
            throw new ArgumentException($"The monitor settings of training job for instance '{context.InstanceId}' are invalid: {string.Join("; ", problems)}", nameof(input));
        }

        var name = TrainingJobName.FromInstance(context.InstanceId);
        var spec = input.Spec with { Name = name };
        var calls = CallOptions(settings);
        var submittedAt = context.CurrentUtcDateTime;
        var deadline = submittedAt + spec.Timeout;

        context.SetCustomStatus(WorkflowStatus.Progress("submit", 0, 0, $"job {name}"));
        TrainingJobState state;
        try
        {
            state = await context.CallActivityAsync<TrainingJobState>(SubmitTrainingJobActivity.Name, spec, calls);
        }
        catch (TaskFailedException ex)
        {
            throw new TrainingJobFailedException(name, null, $"Training job '{name}' was not submitted: {ex.FailureDetails.RootMessage()}", null, ex);
        }

        var polls = 0;
        var delay = settings.FirstPollInterval;
        while (!state.IsTerminal)
        {
            var now = context.CurrentUtcDateTime;
            if (now >= deadline)
            {
                state = await CancelOnTimeoutAsync(context, settings, calls, state, spec.Timeout);
                throw new TrainingJobFailedException(name, state.Status,
                    $"Training job '{name}' did not finish within its timeout of {Describe(spec.Timeout)}; it was canceled (status {state.Status}{(state.ErrorMessage is null ? "" : ": " + state.ErrorMessage)}).",
                    state.LogLocation);
            }

            context.SetCustomStatus(WorkflowStatus.Progress("monitor", polls, 0, $"job {name}: {state.Status}; next poll in {Describe(delay)}"));
            var fireAt = now + delay;
            await context.CreateTimer(fireAt < deadline ? fireAt : deadline, CancellationToken.None);
            state = await context.CallActivityAsync<TrainingJobState>(GetTrainingJobStatusActivity.Name, name, calls);
            polls++;
            delay = settings.Next(delay);
        }

        if (state.Status != TrainingJobStatus.Completed)
        {
            context.SetCustomStatus(WorkflowStatus.Progress("failed", polls, 0, $"job {name}: {state.Status}"));
            throw new TrainingJobFailedException(name, state.Status,
                $"Training job '{name}' ended {state.Status}: {state.ErrorMessage ?? "the service gave no reason."}", state.LogLocation);
        }

        context.SetCustomStatus(WorkflowStatus.Progress("collect", polls, 0, $"job {name}: Completed"));
        var outputs = await context.CallActivityAsync<TrainingJobOutputs>(CollectTrainingJobOutputsActivity.Name, name, calls);
        context.SetCustomStatus(WorkflowStatus.Progress("done", polls, 0, $"job {name}: Completed"));
        return new TrainingJobResult(name, outputs.Outputs, outputs.MetricsUri, outputs.MetricsJson, state.LogLocation, polls, submittedAt, context.CurrentUtcDateTime);
    }

    /// <summary>Cancels the job and polls until it is terminal or the grace period is over; returns the last state.</summary>
    private static async Task<TrainingJobState> CancelOnTimeoutAsync(TaskOrchestrationContext context, TrainingJobMonitorSettings settings,
        TaskOptions calls, TrainingJobState state, TimeSpan timeout)
    {
        var name = state.Name;
        context.SetCustomStatus(WorkflowStatus.Progress("cancel", 0, 0, $"job {name}: timed out after {Describe(timeout)}, canceling"));
        state = await context.CallActivityAsync<TrainingJobState>(CancelTrainingJobActivity.Name, name, calls);
        var graceEnds = context.CurrentUtcDateTime + settings.CancelGracePeriod;
        var delay = settings.FirstPollInterval;
        while (!state.IsTerminal && context.CurrentUtcDateTime < graceEnds)
        {
            var fireAt = context.CurrentUtcDateTime + delay;
            await context.CreateTimer(fireAt < graceEnds ? fireAt : graceEnds, CancellationToken.None);
            state = await context.CallActivityAsync<TrainingJobState>(GetTrainingJobStatusActivity.Name, name, calls);
            delay = settings.Next(delay);
        }
        return state;
    }

    /// <summary>Service calls retry transient service errors only; everything else fails at once.</summary>
    public static TaskOptions CallOptions(TrainingJobMonitorSettings settings) =>
        settings.StatusAttempts <= 1
            ? new TaskOptions()
            : new TaskOptions(new RetryPolicy(settings.StatusAttempts, settings.FirstPollInterval, settings.BackoffCoefficient, settings.MaxPollInterval)
            {
                HandleFailure = failure => failure.IsCausedBy<TrainingServiceException>(),
            });

    private static string Describe(TimeSpan span) =>
        span.TotalSeconds < 1 ? $"{span.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms"
        : span.TotalMinutes < 2 ? $"{span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s"
        : span.ToString("c", CultureInfo.InvariantCulture);
}
