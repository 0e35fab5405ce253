using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Durable.Embedded;
using Serverless.Hosting.LocalHost;
using Serverless.Hosting.Schedules;
using Serverless.Workflows;

namespace Serverless.Hosting.Tests;

/// <summary>Schedules on a clock the test moves: due runs start once, missed runs catch up once, several hosts start one run.</summary>
public sealed class ScheduleTests : IAsyncLifetime
{
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");

    // Monday 2025-04-07 10:00 in Tokyo is 01:00 UTC.
    private static readonly DateTimeOffset MondayDue = new(2025, 4, 7, 1, 0, 0, TimeSpan.Zero);

    private readonly string _folder = TestHost.CreateFolder();
    private readonly List<EmbeddedEngine> _engines = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var engine in _engines) await engine.DisposeAsync();
        TestHost.TryDelete(_folder);
    }

    private static ScheduleDefinition Weekly(string name = "demo-weekly") =>
        new(name, "DemoApproval", "0 10 * * MON", Tokyo, """{ "items": 1, "timerSeconds": 0 }""", Enabled: true, IsDefault: false);

    /// <summary>An engine client on the shared test database (not running: the runs stay pending, which is all these tests need).</summary>
    private DurableTaskClient NewClient(string worker)
    {
        var engine = new EmbeddedEngine(WorkflowCatalog.Create(), new EmbeddedEngineOptions
        {
            DatabasePath = Path.Combine(_folder, "engine.db"),
            WorkerId = worker,
        });
        _engines.Add(engine);
        return engine.Client;
    }

    private ScheduleRunner NewRunner(ManualTimeProvider clock, string worker = "host-a", params ScheduleDefinition[] schedules) =>
        new(schedules.Length == 0 ? [Weekly()] : schedules, NewClient(worker),
            new SqliteScheduleStateStore(Path.Combine(_folder, "engine.schedules.db")), clock, NullLogger<ScheduleRunner>.Instance);

    [Fact]
    public async Task A_due_run_starts_once_at_its_due_time_under_an_id_from_the_schedule_and_the_time()
    {
        var clock = new ManualTimeProvider(MondayDue - TimeSpan.FromMinutes(5));
        var runner = NewRunner(clock);

        Assert.Empty(await runner.TickAsync());
        clock.SetUtcNow(MondayDue - TimeSpan.FromSeconds(1));
        Assert.Empty(await runner.TickAsync());

        clock.SetUtcNow(MondayDue);
        var started = Assert.Single(await runner.TickAsync());
        Assert.Equal(ScheduleOutcome.Started, started.Outcome);
        Assert.Equal("demo-weekly-20250407-0100", started.InstanceId);
        Assert.Equal(MondayDue.UtcDateTime, started.DueUtc);

        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Empty(await runner.TickAsync());
        clock.Advance(TimeSpan.FromDays(1));
        Assert.Empty(await runner.TickAsync());

        var instance = await NewClient("reader").GetInstanceAsync(started.InstanceId, true);
        Assert.NotNull(instance);
        Assert.Equal("DemoApproval", instance.Name);
        Assert.Equal(1, instance.ReadInputAs<DemoInputProbe>()!.Items);
        Assert.Single((await NewClient("reader2").QueryInstancesAsync(new OrchestrationQuery())).Instances);
    }

    [Fact]
    public async Task After_downtime_only_the_latest_missed_due_time_runs_once()
    {
        var clock = new ManualTimeProvider(MondayDue - TimeSpan.FromDays(1));
        var first = NewRunner(clock);
        Assert.Empty(await first.TickAsync()); // the schedule becomes active on Sunday

        // The host is off for three Mondays; a new host process starts on Wednesday of the third week.
        clock.SetUtcNow(MondayDue + TimeSpan.FromDays(16));
        var second = NewRunner(clock, "host-b");
        var catchUp = Assert.Single(await second.TickAsync());

        Assert.Equal(ScheduleOutcome.Started, catchUp.Outcome);
        Assert.Equal(MondayDue.UtcDateTime + TimeSpan.FromDays(14), catchUp.DueUtc);
        Assert.Empty(await second.TickAsync());
        Assert.Empty(await first.TickAsync());
        var all = await NewClient("reader").QueryInstancesAsync(new OrchestrationQuery());
        Assert.Equal([catchUp.InstanceId], all.Instances.Select(i => i.InstanceId));
    }

    [Fact]
    public async Task A_new_schedule_does_not_run_for_due_times_before_it_was_first_seen()
    {
        var clock = new ManualTimeProvider(MondayDue + TimeSpan.FromHours(1));
        var runner = NewRunner(clock);

        Assert.Empty(await runner.TickAsync());
        Assert.Empty((await NewClient("reader").QueryInstancesAsync(new OrchestrationQuery())).Instances);
    }

    [Fact]
    public async Task Two_hosts_on_one_database_start_one_run_per_due_time()
    {
        var clock = new ManualTimeProvider(MondayDue - TimeSpan.FromHours(1));
        var hosts = Enumerable.Range(0, 4).Select(i => NewRunner(clock, $"host-{i}")).ToList();
        foreach (var host in hosts) Assert.Empty(await host.TickAsync());

        clock.SetUtcNow(MondayDue + TimeSpan.FromSeconds(2));
        var results = (await Task.WhenAll(hosts.Select(h => Task.Run(() => h.TickAsync())))).SelectMany(r => r).ToList();

        // One host starts the run; the others find it started (or the due time already dealt with, and say nothing).
        Assert.Single(results, r => r.Outcome == ScheduleOutcome.Started);
        Assert.All(results.Where(r => r.Outcome != ScheduleOutcome.Started), r => Assert.Equal(ScheduleOutcome.AlreadyStarted, r.Outcome));
        Assert.Single(results.Select(r => r.InstanceId).Distinct());
        Assert.Single((await NewClient("reader").QueryInstancesAsync(new OrchestrationQuery())).Instances);
    }

    [Fact]
    public async Task A_due_time_that_comes_while_the_last_run_is_still_going_is_skipped_not_queued()
    {
        var clock = new ManualTimeProvider(MondayDue - TimeSpan.FromHours(1));
        var runner = NewRunner(clock);
        await runner.TickAsync();
        clock.SetUtcNow(MondayDue);
        var first = Assert.Single(await runner.TickAsync());
        Assert.Equal(ScheduleOutcome.Started, first.Outcome);

        // A week later the first run has not finished (it is still pending here).
        clock.SetUtcNow(MondayDue + TimeSpan.FromDays(7));
        var skipped = Assert.Single(await runner.TickAsync());
        Assert.Equal(ScheduleOutcome.SkippedOverlap, skipped.Outcome);
        Assert.Contains(first.InstanceId, skipped.Detail);

        // Once it has finished, the skipped due time is not started late; the next one runs.
        var client = NewClient("reader");
        await client.TerminateInstanceAsync(first.InstanceId);
        var engine = _engines[^1];
        await engine.StartAsync();
        await client.WaitForInstanceCompletionAsync(first.InstanceId).WaitAsync(TimeSpan.FromSeconds(60));
        await engine.StopAsync();
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Empty(await runner.TickAsync());
        clock.SetUtcNow(MondayDue + TimeSpan.FromDays(14));
        Assert.Equal(ScheduleOutcome.Started, Assert.Single(await runner.TickAsync()).Outcome);
    }

    [Fact]
    public async Task Cron_times_follow_the_time_zone_and_each_schedule_keeps_its_own_state()
    {
        var daily = new ScheduleDefinition("demo-daily", "DemoApproval", "0 3 * * *", Tokyo, null, true, false);
        var clock = new ManualTimeProvider(new DateTimeOffset(2025, 4, 6, 17, 0, 0, TimeSpan.Zero)); // 02:00 Tokyo
        var runner = NewRunner(clock, "host-a", daily, Weekly());
        Assert.Empty(await runner.TickAsync());
        Assert.Equal(new DateTime(2025, 4, 6, 18, 0, 0, DateTimeKind.Utc), runner.NextDue(clock.GetUtcNow().UtcDateTime));

        clock.SetUtcNow(new DateTimeOffset(2025, 4, 6, 18, 0, 0, TimeSpan.Zero)); // 03:00 Tokyo
        Assert.Equal("demo-daily", Assert.Single(await runner.TickAsync()).Schedule);
        Assert.Equal(MondayDue.UtcDateTime, runner.NextDue(clock.GetUtcNow().UtcDateTime));
    }

    [Fact]
    public async Task The_host_ticks_at_the_due_time_on_its_own_clock()
    {
        var clock = new ManualTimeProvider(MondayDue - TimeSpan.FromSeconds(30));
        await using var host = await TestHost.StartAsync(_folder, options =>
        {
            options.EnableSchedules = true;
            options.TimeProvider = clock;
            options.Settings["Serverless:Schedules:demo-weekly:workflow"] = "DemoApproval";
            options.Settings["Serverless:Schedules:demo-weekly:cron"] = "0 10 * * MON";
            options.Settings["Serverless:Schedules:demo-weekly:timeZone"] = "Asia/Tokyo";
            options.Settings["Serverless:Schedules:demo-weekly:input:items"] = "2";
            options.Settings["Serverless:Schedules:demo-weekly:input:timerSeconds"] = "0";
            options.Settings["Serverless:Schedules:WeeklyForecast:enabled"] = "false";
            options.Settings["Serverless:Schedules:RecommendationRefresh:enabled"] = "false";
        });
        var service = host.Host.Services.GetRequiredService<ScheduleService>();
        var started = new TaskCompletionSource<ScheduleTickResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        service.Ticked += results =>
        {
            foreach (var r in results.Where(r => r.Outcome == ScheduleOutcome.Started)) started.TrySetResult(r);
        };

        // The service has ticked once (nothing due) and waits on the clock for the due time.
        await WaitUntilAsync(() => clock.PendingTimers > 0 && service.TickCount >= 1);
        Assert.False(started.Task.IsCompleted);
        var schedules = (await host.Http.GetFromJsonAsync<JsonElement>("api/schedules")).GetProperty("schedules").EnumerateArray().ToList();
        var listed = schedules.Single(s => s.GetProperty("name").GetString() == "demo-weekly");
        Assert.Equal(MondayDue.UtcDateTime, listed.GetProperty("nextDueUtc").GetDateTime().ToUniversalTime());
        Assert.Equal("Asia/Tokyo", listed.GetProperty("timeZone").GetString());
        Assert.False(schedules.Single(s => s.GetProperty("name").GetString() == "WeeklyForecast").GetProperty("enabled").GetBoolean());

        clock.SetUtcNow(MondayDue);
        var result = await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("demo-weekly-20250407-0100", result.InstanceId);

        var run = await host.Client.GetInstanceAsync(result.InstanceId, true);
        Assert.Equal(2, run!.ReadInputAs<DemoInputProbe>()!.Items);
        var waiting = await host.WaitForStatusAsync(result.InstanceId, s => TestHost.IsWaitingFor(s, "Approval"));
        Assert.Equal("Running", TestHost.RuntimeStatus(waiting));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition()) await Task.Delay(10, deadline.Token);
    }

    [Fact]
    public void Configuration_gives_the_two_defaults_in_Tokyo_and_overrides_field_by_field()
    {
        var schedules = ScheduleConfiguration.Read(Configuration(new()
        {
            ["Serverless:Schedules:RecommendationRefresh:cron"] = "30 4 * * *",
            ["Serverless:Schedules:nightly:workflow"] = "DemoApproval",
            ["Serverless:Schedules:nightly:cron"] = "0 0 2 * * *",
            ["Serverless:Schedules:nightly:input"] = """{ "items": 5 }""",
        }));

        var weekly = schedules.Single(s => s.Name == "WeeklyForecast");
        Assert.Equal(("WeeklyForecast", "0 10 * * MON", "Asia/Tokyo", true, true), (weekly.Workflow, weekly.Cron, weekly.TimeZone.Id, weekly.Enabled, weekly.IsDefault));
        var refresh = schedules.Single(s => s.Name == "RecommendationRefresh");
        Assert.Equal(("30 4 * * *", "Asia/Tokyo", false), (refresh.Cron, refresh.TimeZone.Id, refresh.IsDefault));
        var nightly = schedules.Single(s => s.Name == "nightly");
        Assert.Equal(("UTC", """{ "items": 5 }"""), (nightly.TimeZone.Id, nightly.Input));
        Assert.Equal(new DateTime(2025, 4, 8, 2, 0, 0, DateTimeKind.Utc), nightly.NextDue(new DateTime(2025, 4, 7, 3, 0, 0, DateTimeKind.Utc)));
    }

    [Theory]
    [InlineData("cron", "0 10 * *", "Serverless:Schedules:bad:cron")]
    [InlineData("cron", "0 61 * * *", "Serverless:Schedules:bad:cron")]
    [InlineData("timeZone", "Mars/Olympus", "Serverless:Schedules:bad:timeZone")]
    [InlineData("enabled", "sometimes", "Serverless:Schedules:bad:enabled")]
    [InlineData("input", "{ items: }", "Serverless:Schedules:bad:input")]
    public void A_bad_setting_is_an_error_naming_it(string field, string value, string setting)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Serverless:Schedules:bad:workflow"] = "DemoApproval",
            ["Serverless:Schedules:bad:cron"] = "0 10 * * MON",
        };
        settings[$"Serverless:Schedules:bad:{field}"] = value;

        var error = Assert.Throws<ScheduleConfigurationException>(() => ScheduleConfiguration.Read(Configuration(settings)));
        Assert.Equal(setting, error.Setting);
        Assert.StartsWith(setting, error.Message);
    }

    [Fact]
    public async Task A_configured_schedule_of_an_unknown_workflow_stops_the_host_and_a_default_one_is_turned_off()
    {
        var folder = TestHost.CreateFolder();
        try
        {
            var options = new LocalHostOptions { Port = 0, BaseDirectory = folder, KeyOutput = TextWriter.Null };
            options.Settings["Serverless:Host:Keys"] = TestHost.Key;
            options.Settings["Serverless:Schedules:typo:workflow"] = "DemoAproval";
            options.Settings["Serverless:Schedules:typo:cron"] = "0 * * * *";
            await using var host = ServerlessLocalHost.Create(options);
            var error = Assert.Throws<ScheduleConfigurationException>(() => host.Services.GetRequiredService<ScheduleRunner>());
            Assert.Equal("Serverless:Schedules:typo:workflow", error.Setting);
            Assert.Contains("DemoApproval", error.Message);

            options.Settings.Remove("Serverless:Schedules:typo:workflow");
            options.Settings.Remove("Serverless:Schedules:typo:cron");
            await using var second = ServerlessLocalHost.Create(options);
            var defaults = second.Services.GetRequiredService<ScheduleRunner>();
            var known = WorkflowCatalog.Create().GetOrchestrators().Select(o => o.Key.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var schedule in defaults.Schedules)
            {
                Assert.Equal(known.Contains(schedule.Workflow), schedule.Enabled);
            }
        }
        finally
        {
            TestHost.TryDelete(folder);
        }
    }

    [Theory]
    [InlineData("TrainingJob", null, "workflow", "only as a step")]
    [InlineData("DemoApproval", "spec", "input", "spec")]
    public async Task A_schedule_may_start_only_a_public_workflow_with_the_input_it_takes(string workflow, string? extraField, string setting, string message)
    {
        var folder = TestHost.CreateFolder();
        try
        {
            var options = new LocalHostOptions { Port = 0, BaseDirectory = folder, KeyOutput = TextWriter.Null };
            options.Settings["Serverless:Host:Keys"] = TestHost.Key;
            options.Settings["Serverless:Schedules:nightly:workflow"] = workflow;
            options.Settings["Serverless:Schedules:nightly:cron"] = "0 * * * *";
            if (extraField is not null) options.Settings[$"Serverless:Schedules:nightly:input:{extraField}"] = "sh -c id";
            await using var host = ServerlessLocalHost.Create(options);

            var error = Assert.Throws<ScheduleConfigurationException>(() => host.Services.GetRequiredService<ScheduleRunner>());

            Assert.Equal($"Serverless:Schedules:nightly:{setting}", error.Setting);
            Assert.Contains(message, error.Message);
        }
        finally
        {
            TestHost.TryDelete(folder);
        }
    }

    [Theory]
    [InlineData("demo", "demo-20250407-0100", true)]
    [InlineData("demo", "demo-weekly-20250407-0100", false)]
    [InlineData("demo", "demo-2025040-0100", false)]
    [InlineData("demo", "demo-20251307-0100", false)]
    [InlineData("demo", "manual-run", false)]
    public void Runs_of_a_schedule_are_told_apart_from_runs_of_a_schedule_with_a_longer_name(string schedule, string id, bool expected)
    {
        Assert.Equal(expected, ScheduleRunner.IsRunOf(schedule, id));
        Assert.True(ScheduleRunner.IsRunOf(schedule, ScheduleRunner.InstanceIdFor(schedule, MondayDue.UtcDateTime)));
    }

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    private sealed record DemoInputProbe(int Items);
}
