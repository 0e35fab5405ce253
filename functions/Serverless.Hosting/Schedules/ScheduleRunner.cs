using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;

namespace Serverless.Hosting.Schedules;

public enum ScheduleOutcome
{
    /// <summary>This host started the run for the due time.</summary>
    Started,

    /// <summary>The run for the due time exists already (another host, or an earlier tick, started it).</summary>
    AlreadyStarted,

    /// <summary>A run of the same schedule was still going, so this due time was skipped.</summary>
    SkippedOverlap,

    /// <summary>Starting failed; the due time stays open and is tried again on the next tick.</summary>
    Failed,
}

/// <summary>What one tick did about one schedule's due time.</summary>
public sealed record ScheduleTickResult(string Schedule, DateTime DueUtc, ScheduleOutcome Outcome, string InstanceId, string? Detail = null);

/// <summary>
/// Starts scheduled runs. On each tick, for each enabled schedule, it looks for the latest due time not yet
/// dealt with (so after downtime only the latest missed one runs: one catch-up) and starts that run under an
/// instance id derived from the schedule and the due time. Creating that instance is the claim: with several
/// hosts on one database exactly one creation succeeds and the others see the instance already there.
/// A due time that comes while a run of the same schedule is still going is skipped and logged.
/// </summary>
public sealed class ScheduleRunner
{
    /// <summary>Due times further back than this are not caught up (a host that was off for longer starts fresh).</summary>
    public static readonly TimeSpan MaxCatchUp = TimeSpan.FromDays(35);

    private static readonly OrchestrationRuntimeStatus[] Going =
        [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Suspended];

    private readonly DurableTaskClient _client;
    private readonly IScheduleStateStore _state;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public ScheduleRunner(IEnumerable<ScheduleDefinition> schedules, DurableTaskClient client, IScheduleStateStore state,
        TimeProvider time, ILogger<ScheduleRunner> logger)
    {
        ArgumentNullException.ThrowIfNull(schedules);
        Schedules = schedules.ToList();
        _client = client;
        _state = state;
        _time = time;
        _logger = logger;
    }

    public IReadOnlyList<ScheduleDefinition> Schedules { get; }

    /// <summary>
    /// The instance id of a schedule's run for one due time: the schedule's name and the due minute in UTC
    /// (<c>WeeklyForecast-20250407-0100</c>), the same ids the Function App's timers use. Schedules are at most
    /// one run a minute: two due times within one minute are one run.
    /// </summary>
    public static string InstanceIdFor(string schedule, DateTime dueUtc) =>
        string.Create(CultureInfo.InvariantCulture, $"{InstanceIdPrefix(schedule)}{dueUtc.ToUniversalTime():yyyyMMdd-HHmm}");

    public static string InstanceIdPrefix(string schedule) => $"{schedule}-";

    /// <summary>True for an id of this schedule's runs (not of a schedule whose name merely starts the same).</summary>
    public static bool IsRunOf(string schedule, string instanceId) =>
        instanceId.Length == schedule.Length + 14
        && instanceId.StartsWith(InstanceIdPrefix(schedule), StringComparison.Ordinal)
        && DateTime.TryParseExact(instanceId.AsSpan(schedule.Length + 1), "yyyyMMdd-HHmm", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    /// <summary>The earliest time after <paramref name="nowUtc"/> when an enabled schedule is due, or null.</summary>
    public DateTime? NextDue(DateTime nowUtc) =>
        Schedules.Where(s => s.Enabled).Select(s => s.NextDue(nowUtc)).Where(d => d is not null).Min();

    /// <summary>Deals with every enabled schedule's latest open due time, as of the clock's now.</summary>
    public async Task<IReadOnlyList<ScheduleTickResult>> TickAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var results = new List<ScheduleTickResult>();
        foreach (var schedule in Schedules.Where(s => s.Enabled))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = await TickAsync(schedule, now, cancellationToken).ConfigureAwait(false);
            if (result is not null) results.Add(result);
        }
        return results;
    }

    private async Task<ScheduleTickResult?> TickAsync(ScheduleDefinition schedule, DateTime now, CancellationToken cancellationToken)
    {
        var state = await _state.GetOrCreateAsync(schedule.Name, now, cancellationToken).ConfigureAwait(false);
        var horizon = now - MaxCatchUp;
        DateTime? due = state.LastHandledDueUtc is { } last && last >= state.SinceUtc
            ? schedule.LatestDue(Max(last, horizon), afterInclusive: last < horizon, now)
            : schedule.LatestDue(Max(state.SinceUtc, horizon), afterInclusive: true, now);
        if (due is not { } dueUtc) return null;

        var instanceId = InstanceIdFor(schedule.Name, dueUtc);
        try
        {
            if (await _client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken).ConfigureAwait(false) is not null)
            {
                return await HandledAsync(schedule, dueUtc, ScheduleOutcome.AlreadyStarted, instanceId, null, cancellationToken).ConfigureAwait(false);
            }

            var going = await _client.QueryInstancesAsync(new OrchestrationQuery(Statuses: Going,
                InstanceIdPrefix: InstanceIdPrefix(schedule.Name), PageSize: 100), cancellationToken).ConfigureAwait(false);
            var blocking = going.Instances.FirstOrDefault(i => i.InstanceId != instanceId && IsRunOf(schedule.Name, i.InstanceId));
            if (blocking is not null)
            {
                _logger.LogWarning("Schedule {Schedule}: skipped the run due {Due:o} because {Blocking} is still {Status}",
                    schedule.Name, dueUtc, blocking.InstanceId, blocking.RuntimeStatus);
                return await HandledAsync(schedule, dueUtc, ScheduleOutcome.SkippedOverlap, instanceId,
                    $"{blocking.InstanceId} is still {blocking.RuntimeStatus}", cancellationToken).ConfigureAwait(false);
            }

            var input = ScheduleInput.Read(schedule.Workflow, schedule.Input);
            await _client.ScheduleNewOrchestrationInstanceAsync(schedule.Workflow, input, new StartOrchestrationOptions(instanceId), cancellationToken)
                .ConfigureAwait(false);
            var late = now - dueUtc;
            _logger.LogInformation("Schedule {Schedule}: started {Workflow} as {InstanceId} for the due time {Due:o}{Late}",
                schedule.Name, schedule.Workflow, instanceId, dueUtc, late > TimeSpan.FromMinutes(1) ? $" (catch-up, {late.TotalHours:0.#} h late)" : "");
            return await HandledAsync(schedule, dueUtc, ScheduleOutcome.Started, instanceId, null, cancellationToken).ConfigureAwait(false);
        }
        catch (InstanceAlreadyExistsException)
        {
            _logger.LogInformation("Schedule {Schedule}: the run due {Due:o} was started by another host", schedule.Name, dueUtc);
            return await HandledAsync(schedule, dueUtc, ScheduleOutcome.AlreadyStarted, instanceId, "started by another host", cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogError(ex, "Schedule {Schedule}: could not start {Workflow} for the due time {Due:o}; trying again on the next tick",
                schedule.Name, schedule.Workflow, dueUtc);
            return new ScheduleTickResult(schedule.Name, dueUtc, ScheduleOutcome.Failed, instanceId, ex.Message);
        }
    }

    private async Task<ScheduleTickResult> HandledAsync(ScheduleDefinition schedule, DateTime dueUtc, ScheduleOutcome outcome,
        string instanceId, string? detail, CancellationToken cancellationToken)
    {
        await _state.MarkHandledAsync(schedule.Name, dueUtc, cancellationToken).ConfigureAwait(false);
        return new ScheduleTickResult(schedule.Name, dueUtc, outcome, instanceId, detail);
    }

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;
}
