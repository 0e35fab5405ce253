using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using Serverless.Functions.Runtime;

namespace Serverless.Functions.Tests;

/// <summary>A timer tick starts its schedule's workflow once per due minute, never beside a run still going.</summary>
public sealed class ScheduledStartTests
{
    private static readonly DateTime Tick = new(2026, 1, 5, 4, 0, 7, DateTimeKind.Utc);
    private readonly Mock<DurableTaskClient> _client = new(MockBehavior.Strict, "test");

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();

    private void NoInstance(string id) =>
        _client.Setup(c => c.GetInstanceAsync(id, false, It.IsAny<CancellationToken>())).ReturnsAsync((OrchestrationMetadata?)null);

    private static OrchestrationMetadata Instance(string id, DateTime created) => new("WeeklyForecast", id)
    {
        RuntimeStatus = OrchestrationRuntimeStatus.Running,
        CreatedAt = created,
        LastUpdatedAt = created,
    };

    private void Running(params OrchestrationMetadata[] instances) =>
        _client.Setup(c => c.GetAllInstancesAsync(It.Is<OrchestrationQuery>(q => q.InstanceIdPrefix == "WeeklyForecast-")))
            .Returns(Pageable.Create<OrchestrationMetadata>((_, _, _) => Task.FromResult(new Page<OrchestrationMetadata>(instances, null))));

    [Fact]
    public async Task A_tick_starts_the_workflow_under_the_schedule_and_due_minute_with_the_configured_input()
    {
        NoInstance("WeeklyForecast-20260105-0400");
        Running();
        object? input = null;
        _client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.Is<TaskName>(n => n.Name == "WeeklyForecast"), It.IsAny<object?>(),
                It.Is<StartOrchestrationOptions?>(o => o!.InstanceId == "WeeklyForecast-20260105-0400"), It.IsAny<CancellationToken>()))
            .Callback((TaskName _, object? i, StartOrchestrationOptions? _, CancellationToken _) => input = i)
            .ReturnsAsync("WeeklyForecast-20260105-0400");

        var outcome = await ScheduledStart.RunAsync("WeeklyForecast", _client.Object,
            Configuration(("Serverless:Schedules:WeeklyForecast:input:seed", "7")), Tick, NullLogger.Instance);

        Assert.Equal(ScheduledStartOutcome.Started, outcome);
        // The input is read as the workflow's declared input type (WorkflowEntryPoints), as HTTP reads it.
        Assert.Equal(7, Assert.IsType<Serverless.Workflows.Forecasting.WeeklyForecastInput>(input).Seed);
    }

    [Fact]
    public async Task A_repeated_tick_for_the_same_minute_starts_nothing()
    {
        _client.Setup(c => c.GetInstanceAsync("WeeklyForecast-20260105-0400", false, It.IsAny<CancellationToken>()))
            .ReturnsAsync(Instance("WeeklyForecast-20260105-0400", Tick));

        Assert.Equal(ScheduledStartOutcome.AlreadyStarted,
            await ScheduledStart.RunAsync("WeeklyForecast", _client.Object, Configuration(), Tick.AddSeconds(20), NullLogger.Instance));
    }

    [Fact]
    public async Task A_start_that_loses_a_race_with_another_instance_of_the_app_counts_as_already_started()
    {
        var calls = 0;
        _client.Setup(c => c.GetInstanceAsync("WeeklyForecast-20260105-0400", false, It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => calls++ == 0 ? null : Instance("WeeklyForecast-20260105-0400", Tick));
        Running();
        _client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(),
                It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidOperationException("An orchestration with instance ID 'WeeklyForecast-20260105-0400' already exists."));

        Assert.Equal(ScheduledStartOutcome.AlreadyStarted,
            await ScheduledStart.RunAsync("WeeklyForecast", _client.Object, Configuration(), Tick, NullLogger.Instance));
    }

    [Fact]
    public async Task A_tick_while_an_earlier_run_is_still_going_is_skipped()
    {
        NoInstance("WeeklyForecast-20260105-0400");
        Running(Instance("WeeklyForecast-20251229-0400", Tick.AddDays(-7)));

        Assert.Equal(ScheduledStartOutcome.SkippedOverlap,
            await ScheduledStart.RunAsync("WeeklyForecast", _client.Object, Configuration(), Tick, NullLogger.Instance));
    }

    [Fact]
    public async Task A_disabled_schedule_starts_nothing()
    {
        Assert.Equal(ScheduledStartOutcome.Disabled, await ScheduledStart.RunAsync("WeeklyForecast", _client.Object,
            Configuration(("Serverless:Schedules:WeeklyForecast:enabled", "false")), Tick, NullLogger.Instance));
    }
}
