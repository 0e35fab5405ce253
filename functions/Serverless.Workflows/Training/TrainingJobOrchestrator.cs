using System.Globalization;
using Microsoft.DurableTask;
using Serverless.Durable;
using Serverless.Training.Contract;
using Serverless.Workflows.Common;

namespace Serverless.Workflows.Training;

/// <summary>
/// The TrainingJob sub-orchestration: submit a job to the configured service (local runner or Azure
/// ML), watch it with durable timers and back-off, and return its outputs; fail with the job's status,
/// error and log location when it fails or is canceled; cancel it and fail when it runs out of time.
/// </summary>
/// <remarks>
/// <para>The job name comes from the instance id (<see cref="TrainingJobName.FromInstance"/>), so a
/// submit that runs again (a redelivered activity, a replay after a host restart) is a no-op and the
/// monitor simply resumes. Parents start it with a chosen instance id, for example
/// <c>{parent}-train-{model}</c>.</para>
/// <para>Deadlines, throttling and a new job that reads as missing are decided by
/// <see cref="TrainingJobMonitor"/>: a start deadline from the submission, then the spec's timeout from
/// when the job is first seen running; throttling is waited out on durable timers for as long as the
/// service asks, up to the deadline. Other transient service errors (<see cref="TrainingServiceException"/>)
/// are retried a few times; a spec the service refuses or an identity it does not accept
/// (<see cref="TrainingAccessDeniedException"/>) fails the orchestration at once with the service's message.</para>
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
        var monitor = new TrainingJobMonitor(settings, spec.Timeout, context.CurrentUtcDateTime);

        context.SetCustomStatus(WorkflowStatus.Progress("submit", 0, 0, $"job {name}"));
        var step = monitor.Accept(await SubmitAsync(context, spec, calls), context.CurrentUtcDateTime);
        while (step.Action == TrainingJobMonitorAction.Wait)
        {
            var status = monitor.State is { } known ? known.Status.ToString() : "not submitted yet (throttled)";
            context.SetCustomStatus(WorkflowStatus.Progress("monitor", monitor.Polls, 0,
                $"job {name}: {status}; next check {step.WakeAtUtc!.Value.ToString("u", CultureInfo.InvariantCulture)}"));
            await context.CreateTimer(step.WakeAtUtc.Value, CancellationToken.None);
            // Until the service has taken the job, asking again means submitting again (a no-op once it has).
            var answer = monitor.State is null
                ? await SubmitAsync(context, spec, calls)
                : await context.CallActivityAsync<TrainingJobAnswer>(GetTrainingJobStatusActivity.Name, name, calls);
            step = monitor.Accept(answer, context.CurrentUtcDateTime);
        }

        switch (step.Action)
        {
            case TrainingJobMonitorAction.TimedOut:
                var last = await CancelOnTimeoutAsync(context, settings, calls, name, monitor.State, step.Reason!);
                throw new TrainingJobFailedException(name, last?.Status,
                    $"Training job '{name}' {step.Reason}; it was canceled (status {last?.Status.ToString() ?? "unknown"}{(last?.ErrorMessage is null ? "" : ": " + last.ErrorMessage)}).",
                    last?.LogLocation);
            case TrainingJobMonitorAction.Lost:
                throw new TrainingJobFailedException(name, monitor.State?.Status, $"Training job '{name}' cannot be found: {step.Reason}.", monitor.State?.LogLocation);
        }

        var state = monitor.State!;
        if (state.Status != TrainingJobStatus.Completed)
        {
            context.SetCustomStatus(WorkflowStatus.Progress("failed", monitor.Polls, 0, $"job {name}: {state.Status}"));
            throw new TrainingJobFailedException(name, state.Status,
                $"Training job '{name}' ended {state.Status}: {state.ErrorMessage ?? "the service gave no reason."}", state.LogLocation);
        }

        context.SetCustomStatus(WorkflowStatus.Progress("collect", monitor.Polls, 0, $"job {name}: Completed"));
        var outputs = await context.CallActivityAsync<TrainingJobOutputs>(CollectTrainingJobOutputsActivity.Name, name, calls);
        context.SetCustomStatus(WorkflowStatus.Progress("done", monitor.Polls, 0, $"job {name}: Completed"));
        return new TrainingJobResult(name, outputs.Outputs, outputs.MetricsUri, outputs.MetricsJson, state.LogLocation, monitor.Polls,
            monitor.SubmittedAtUtc, context.CurrentUtcDateTime);
    }

    private static async Task<TrainingJobAnswer> SubmitAsync(TaskOrchestrationContext context, TrainingJobSpec spec, TaskOptions calls)
    {
        try
        {
            return await context.CallActivityAsync<TrainingJobAnswer>(SubmitTrainingJobActivity.Name, spec, calls);
        }
        catch (TaskFailedException ex)
        {
            throw new TrainingJobFailedException(spec.Name, null, $"Training job '{spec.Name}' was not submitted: {ex.FailureDetails.RootMessage()}", null, ex);
        }
    }

    /// <summary>
    /// Cancels the job and polls until it is terminal or the grace period is over; returns the last state.
    /// Throttling is waited out within the grace period; a job already stopping is simply watched.
    /// </summary>
    private static async Task<TrainingJobState?> CancelOnTimeoutAsync(TaskOrchestrationContext context, TrainingJobMonitorSettings settings,
        TaskOptions calls, string name, TrainingJobState? state, string reason)
    {
        context.SetCustomStatus(WorkflowStatus.Progress("cancel", 0, 0, $"job {name}: {reason}; canceling"));
        var graceEnds = context.CurrentUtcDateTime + settings.CancelGracePeriod;
        var delay = settings.FirstPollInterval;
        var canceled = false;
        while (context.CurrentUtcDateTime <= graceEnds)
        {
            var answer = await context.CallActivityAsync<TrainingJobAnswer>(canceled ? GetTrainingJobStatusActivity.Name : CancelTrainingJobActivity.Name, name, calls);
            if (answer.Kind == TrainingJobAnswerKind.NotFound) return state;
            if (answer.State is { } now)
            {
                state = now;
                canceled = true;
                if (now.IsTerminal) return state;
            }

            var wait = answer.Kind == TrainingJobAnswerKind.Throttled && answer.RetryAfter is { } retryAfter ? retryAfter : delay;
            delay = settings.Next(delay);
            var fireAt = context.CurrentUtcDateTime + wait;
            if (context.CurrentUtcDateTime >= graceEnds) return state;
            await context.CreateTimer(fireAt < graceEnds ? fireAt : graceEnds, CancellationToken.None);
        }
        return state;
    }

    /// <summary>
    /// Service calls retry transient service errors only (throttling is an answer, waited out by the monitor);
    /// a refused identity, a rejected spec and everything else fail at once.
    /// </summary>
    public static TaskOptions CallOptions(TrainingJobMonitorSettings settings) =>
        settings.StatusAttempts <= 1
            ? new TaskOptions()
            : new TaskOptions(new RetryPolicy(settings.StatusAttempts, settings.FirstPollInterval, settings.BackoffCoefficient, settings.MaxPollInterval)
            {
                // The whole chain: Durable Functions can report the cause inside an AggregateException.
                HandleFailure = failure => failure.IsCausedByAny<TrainingServiceException>(),
            });
}
