using Microsoft.Extensions.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Workflows;

namespace Serverless.Hosting.Schedules;

/// <summary>
/// The timer triggers of the local host: ticks the <see cref="ScheduleRunner"/> at every due time (and at
/// least once a minute, so clock changes and other hosts' work are noticed), on the host's
/// <see cref="TimeProvider"/>, so tests drive it with their own clock.
/// </summary>
public sealed class ScheduleService(ScheduleRunner runner, TimeProvider time, ILogger<ScheduleService> logger) : BackgroundService
{
    /// <summary>The longest wait between two ticks.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(1);

    private long _ticks;

    /// <summary>How many ticks have completed since start (for tests and health).</summary>
    public long TickCount => Interlocked.Read(ref _ticks);

    /// <summary>Signalled after every tick, with its results.</summary>
    public event Action<IReadOnlyList<ScheduleTickResult>>? Ticked;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var schedule in runner.Schedules)
        {
            logger.LogInformation("Schedule {Schedule}: {Workflow} at '{Cron}' ({TimeZone}){State}", schedule.Name, schedule.Workflow,
                schedule.Cron, schedule.TimeZone.Id, schedule.Enabled ? $", next {schedule.NextDue(time.GetUtcNow().UtcDateTime):o}" : ", disabled");
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var results = await runner.TickAsync(stoppingToken).ConfigureAwait(false);
                Interlocked.Increment(ref _ticks);
                Ticked?.Invoke(results);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Schedules: a tick failed; trying again at the next one");
            }

            var now = time.GetUtcNow().UtcDateTime;
            var wait = runner.NextDue(now) is { } next ? next - now : MaxWait;
            if (wait > MaxWait) wait = MaxWait;
            if (wait < TimeSpan.Zero) wait = TimeSpan.Zero;
            try
            {
                await Task.Delay(wait, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}

public static class ScheduleServiceCollectionExtensions
{
    /// <summary>
    /// Adds the schedules of <c>Serverless:Schedules</c> (read and checked now, so a bad setting stops the host
    /// at start with the setting's name), their shared state, and the service that runs them. A default
    /// schedule whose workflow is not registered is turned off with a warning; a configured one is an error.
    /// </summary>
    public static IServiceCollection AddServerlessSchedules(this IServiceCollection services, IConfiguration configuration,
        Func<IServiceProvider, IScheduleStateStore> stateStore)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var schedules = ScheduleConfiguration.Read(configuration);
        services.AddSingleton(provider =>
        {
            var known = provider.GetRequiredService<IOptionsMonitor<DurableTaskRegistry>>().Get(Options.DefaultName)
                .GetOrchestrators().Select(o => o.Key.Name).ToList();
            var logger = provider.GetRequiredService<ILogger<ScheduleRunner>>();
            var checkedSchedules = schedules.Select(s =>
            {
                if (!s.Enabled) return s;
                // A timer starts what HTTP may start, with an input checked the same way, now rather than at the first tick.
                if (WorkflowEntryPoints.Find(s.Workflow) is { } entry && known.Contains(entry.Name, StringComparer.OrdinalIgnoreCase))
                {
                    try
                    {
                        entry.ReadInput(ScheduleInput.Parse(s.Input));
                    }
                    catch (WorkflowInputException ex)
                    {
                        throw new ScheduleConfigurationException($"{ScheduleConfiguration.Section}:{s.Name}:input", ex.Message);
                    }
                    return s;
                }
                if (s.IsDefault)
                {
                    logger.LogWarning("Schedule {Schedule}: no workflow named {Workflow} is registered; the schedule is off", s.Name, s.Workflow);
                    return s with { Enabled = false };
                }
                var registered = known.Contains(s.Workflow, StringComparer.OrdinalIgnoreCase);
                throw new ScheduleConfigurationException($"{ScheduleConfiguration.Section}:{s.Name}:workflow", registered
                    ? $"'{s.Workflow}' runs only as a step of another workflow; a schedule may start {WorkflowEntryPoints.Names}."
                    : $"no workflow named '{s.Workflow}' is registered. Workflows a schedule may start: {WorkflowEntryPoints.Names}.");
            }).ToList();
            return new ScheduleRunner(checkedSchedules, provider.GetRequiredService<DurableTaskClient>(), stateStore(provider),
                provider.GetRequiredService<TimeProvider>(), logger);
        });
        services.AddSingleton<ScheduleService>();
        services.AddHostedService(provider => provider.GetRequiredService<ScheduleService>());
        return services;
    }
}

/// <summary>A schedule's input (JSON text from configuration) as the value the workflow's entry point reads.</summary>
public static class ScheduleInput
{
    public static System.Text.Json.JsonElement? Parse(string? json)
    {
        if (json is null) return null;
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>The typed input the schedule's workflow takes.</summary>
    public static object Read(string workflow, string? json) => WorkflowEntryPoints.Require(workflow).ReadInput(Parse(json));
}
