using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Hosting.Schedules;

namespace Serverless.Functions.Runtime;

/// <summary>What a timer function did with its tick.</summary>
public enum ScheduledStartOutcome
{
    Started,
    AlreadyStarted,
    SkippedOverlap,
    Disabled,
}

/// <summary>
/// What a timer function does on Azure: start the schedule's workflow once per due time. The cron itself is
/// the app setting the trigger binds (<c>%WeeklyForecastSchedule%</c>, six-field NCRONTAB, UTC); which workflow,
/// with which input and whether it is enabled come from the same <c>Serverless:Schedules:&lt;name&gt;</c> section
/// the local host reads. The instance id is the schedule name and the due minute (UTC), so a repeated or late
/// tick for the same minute finds the run it already started; a tick while an earlier run of the schedule is
/// still going is skipped and logged, as on the local host.
/// </summary>
public static class ScheduledStart
{
    public static string InstanceId(string schedule, DateTime dueUtc) =>
        string.Create(CultureInfo.InvariantCulture, $"{schedule}-{dueUtc:yyyyMMdd-HHmm}");

    public static async Task<ScheduledStartOutcome> RunAsync(string schedule, DurableTaskClient client, IConfiguration configuration,
        DateTime nowUtc, ILogger logger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(logger);
        var definition = ScheduleConfiguration.Read(configuration)
            .FirstOrDefault(d => string.Equals(d.Name, schedule, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException($"No schedule named '{schedule}' in {ScheduleConfiguration.Section}.");
        if (!definition.Enabled)
        {
            logger.LogInformation("Schedule {Schedule} is disabled ({Section}:{Schedule}:enabled); tick ignored", schedule, ScheduleConfiguration.Section, schedule);
            return ScheduledStartOutcome.Disabled;
        }

        var due = new DateTime(nowUtc.Ticks - nowUtc.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
        var instanceId = InstanceId(definition.Name, due);
        if (await client.GetInstanceAsync(instanceId, false, cancellationToken) is not null)
        {
            logger.LogInformation("Schedule {Schedule}: run {InstanceId} already started for this due time", schedule, instanceId);
            return ScheduledStartOutcome.AlreadyStarted;
        }

        var running = await client.QueryInstancesAsync(new OrchestrationQuery(
            Statuses: [OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended],
            InstanceIdPrefix: definition.Name + "-", PageSize: 10), cancellationToken);
        if (running.Instances.Count > 0)
        {
            logger.LogWarning("Schedule {Schedule}: skipped the run due {Due:o} because {Running} is still {Status}",
                schedule, due, running.Instances[0].InstanceId, running.Instances[0].RuntimeStatus);
            return ScheduledStartOutcome.SkippedOverlap;
        }

        // Only a public workflow, with its input read as HTTP reads it (WorkflowEntryPoints).
        var input = ScheduleInput.Read(definition.Workflow, definition.Input);
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(definition.Workflow, input, new StartOrchestrationOptions(instanceId, null), cancellationToken);
        }
        catch (InvalidOperationException) // InstanceAlreadyExistsException is one
        {
            // Another tick (or another instance of the app) may have started it between the check and the start.
            if (await client.GetInstanceAsync(instanceId, false, cancellationToken) is null) throw;
            return ScheduledStartOutcome.AlreadyStarted;
        }
        logger.LogInformation("Schedule {Schedule}: started {Workflow} as {InstanceId}", schedule, definition.Workflow, instanceId);
        return ScheduledStartOutcome.Started;
    }
}
