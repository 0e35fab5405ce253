using System.Collections.Concurrent;

namespace Serverless.Durable.Tests;

/// <summary>The engine's guarantees (DESIGN section 4), each proved on the SQLite engine.</summary>
public sealed class GuaranteeTests
{
    [Fact]
    public async Task One_instance_fans_out_to_ten_thousand_activities_and_fans_in()
    {
        await using var test = await TestEngine.StartAsync(r => r
            .AddActivityFunc<int, long>("Double", (_, x) => Task.FromResult(2L * x))
            .AddOrchestratorFunc<int, long>("FanOut", async (ctx, n) =>
            {
                var results = await Task.WhenAll(Enumerable.Range(0, n).Select(i => ctx.CallActivityAsync<long>("Double", i)));
                return results.Sum();
            }));

        var result = await test.RunAsync("FanOut", 10_000, timeoutSeconds: 120);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.Equal(2L * (9_999L * 10_000 / 2), result.ReadOutputAs<long>());
        var history = await test.Client.GetHistoryAsync(result.InstanceId);
        Assert.Equal(10_000, history.Count(e => e.EventType == "TaskScheduled"));
        Assert.Equal(10_000, history.Count(e => e.EventType == "TaskCompleted"));
    }

    [Fact]
    public async Task Retries_back_off_on_durable_timers_and_end_in_success()
    {
        var attempts = 0;
        await using var test = await TestEngine.StartAsync(r => r
            .AddActivityFunc<string, string>("Flaky", (_, name) =>
                Interlocked.Increment(ref attempts) < 3 ? throw new TimeoutException("upstream busy") : Task.FromResult($"hello {name}"))
            .AddOrchestratorFunc<string, string>("CallFlaky", (ctx, name) =>
                ctx.CallActivityAsync<string>("Flaky", name, TaskOptions.FromRetryPolicy(
                    new RetryPolicy(5, TimeSpan.FromMilliseconds(100), backoffCoefficient: 2.0)))));

        var result = await test.RunAsync("CallFlaky", "world");

        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.Equal("hello world", result.ReadOutputAs<string>());
        Assert.Equal(3, attempts);
        // Two retries, each after a durable timer: 100 ms, then 200 ms (back-off coefficient 2).
        var history = await test.Client.GetHistoryAsync(result.InstanceId);
        var timers = history.Where(e => e.EventType == "TimerCreated").ToList();
        Assert.Equal(2, timers.Count);
        var failures = history.Where(e => e.EventType == "TaskFailed").ToList();
        Assert.Equal(TimeSpan.FromMilliseconds(100), timers[0].FireAt!.Value - timers[0].Timestamp);
        Assert.Equal(TimeSpan.FromMilliseconds(200), timers[1].FireAt!.Value - timers[1].Timestamp);
        Assert.All(failures, f => Assert.Contains("upstream busy", f.Failure!.ErrorMessage));
    }

    [Fact]
    public async Task Retries_that_run_out_fail_the_instance_with_the_activity_exception_details()
    {
        var attempts = 0;
        await using var test = await TestEngine.StartAsync(r => r
            .AddActivityFunc<int, int>("Broken", (_, _) =>
            {
                Interlocked.Increment(ref attempts);
                return Task.FromException<int>(new InvalidOperationException("the sales file for store S03 is missing"));
            })
            .AddOrchestratorFunc<int, int>("CallBroken", (ctx, x) =>
                ctx.CallActivityAsync<int>("Broken", x, TaskOptions.FromRetryPolicy(new RetryPolicy(3, TimeSpan.FromMilliseconds(50))))));

        var result = await test.RunAsync("CallBroken", 1);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, result.RuntimeStatus);
        Assert.Equal(3, attempts);
        var failure = result.FailureDetails!;
        Assert.Equal(typeof(TaskFailedException).FullName, failure.ErrorType);
        Assert.Contains("Broken", failure.ErrorMessage);
        Assert.Equal(typeof(InvalidOperationException).FullName, failure.InnerFailure!.ErrorType);
        Assert.Equal("the sales file for store S03 is missing", failure.InnerFailure.ErrorMessage);
        Assert.NotNull(failure.InnerFailure.StackTrace);
        Assert.True(failure.IsCausedByAny<InvalidOperationException>());
        Assert.False(failure.IsCausedBy<InvalidOperationException>()); // Durable Task looks at the outermost type only
    }

    [Fact]
    public async Task A_retry_filter_stops_retrying_failures_it_does_not_handle()
    {
        var attempts = 0;
        await using var test = await TestEngine.StartAsync(r => r
            .AddActivityFunc<int, int>("BadInput", (_, _) =>
            {
                Interlocked.Increment(ref attempts);
                return Task.FromException<int>(new ArgumentException("negative sales"));
            })
            .AddOrchestratorFunc<int, int>("CallBadInput", (ctx, x) =>
                ctx.CallActivityAsync<int>("BadInput", x, TaskOptions.FromRetryPolicy(
                    new RetryPolicy(5, TimeSpan.FromMilliseconds(50)) { HandleFailure = f => !f.IsCausedBy<ArgumentException>() }))));

        var result = await test.RunAsync("CallBadInput", 1);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, result.RuntimeStatus);
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task A_durable_timer_fires_after_the_engine_restarts()
    {
        await using var test = await TestEngine.StartAsync(r => r
            .AddOrchestratorFunc<int, DateTime>("Sleeper", async (ctx, ms) =>
            {
                var fireAt = ctx.CurrentUtcDateTime.AddMilliseconds(ms);
                ctx.SetCustomStatus("sleeping");
                await ctx.CreateTimer(fireAt, CancellationToken.None);
                return ctx.CurrentUtcDateTime;
            }));

        var id = await test.Client.ScheduleNewOrchestrationInstanceAsync("Sleeper", 1500);
        await test.WaitForAsync(id, m => m.ReadCustomStatusAs<string>() == "sleeping");
        var timer = (await test.Client.GetHistoryAsync(id)).Single(e => e.EventType == "TimerCreated");

        // Stop the engine while the timer is pending; nothing runs while it is down.
        await test.Engine.StopAsync();
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await test.Client.GetInstanceAsync(id, true))!.RuntimeStatus);
        await test.RestartAsync();

        var result = await test.WaitAsync(id);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        var fired = (await test.Client.GetHistoryAsync(id)).Single(e => e.EventType == "TimerFired");
        Assert.Equal(timer.FireAt, fired.FireAt);
        // The orchestrator resumed no earlier than the timer's due time.
        Assert.True(result.ReadOutputAs<DateTime>() >= timer.FireAt!.Value);
    }

    [Fact]
    public async Task An_event_raised_before_the_orchestrator_waits_is_delivered()
    {
        await using var test = await TestEngine.StartAsync(r => r
            .AddActivityFunc<int, int>("Prepare", (_, x) => Task.FromResult(x))
            .AddOrchestratorFunc<int, string>("Approval", async (ctx, x) =>
            {
                await ctx.CallActivityAsync<int>("Prepare", x);
                var first = await ctx.WaitForExternalEvent<string>("Decision");
                var second = await ctx.WaitForExternalEvent<string>("Decision");
                return $"{first}+{second}";
            }));

        // The instance starts in the future, so both events are certainly raised before it waits.
        var id = await test.Client.ScheduleNewOrchestrationInstanceAsync("Approval", 1,
            new StartOrchestrationOptions(StartAt: DateTimeOffset.UtcNow.AddMilliseconds(500)));
        await test.Client.RaiseEventAsync(id, "Decision", "approve");
        await test.Client.RaiseEventAsync(id, "decision", "publish");
        Assert.Equal(OrchestrationRuntimeStatus.Pending, (await test.Client.GetInstanceAsync(id, true))!.RuntimeStatus);

        var result = await test.WaitAsync(id);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.Equal("approve+publish", result.ReadOutputAs<string>());
    }

    [Fact]
    public async Task Waiting_for_an_event_with_a_timeout_gives_the_event_or_times_out()
    {
        await using var test = await TestEngine.StartAsync(r => r
            .AddOrchestratorFunc<int, string>("Review", async (ctx, timeoutMs) =>
            {
                ctx.SetCustomStatus("waiting");
                try
                {
                    return await ctx.WaitForExternalEvent<string>("Reviewed", TimeSpan.FromMilliseconds(timeoutMs));
                }
                catch (TaskCanceledException)
                {
                    return "timed out";
                }
            }));

        var timedOut = await test.RunAsync("Review", 300);
        Assert.Equal("timed out", timedOut.ReadOutputAs<string>());

        var id = await test.Client.ScheduleNewOrchestrationInstanceAsync("Review", 60_000);
        await test.WaitForAsync(id, m => m.ReadCustomStatusAs<string>() == "waiting");
        await test.Client.RaiseEventAsync(id, "Reviewed", "approved");
        var answered = await test.WaitAsync(id);
        Assert.Equal("approved", answered.ReadOutputAs<string>());
        // The abandoned timeout timer does not keep the instance alive or linger as work.
        Assert.Equal(OrchestrationRuntimeStatus.Completed, answered.RuntimeStatus);
    }

    [Fact]
    public async Task A_sub_orchestration_failure_propagates_to_the_parent()
    {
        await using var test = await TestEngine.StartAsync(r => r
            .AddActivityFunc<string, int>("Load", (_, store) => Task.FromException<int>(new FileNotFoundException($"no sales for {store}")))
            .AddOrchestratorFunc<string, int>("Child", (ctx, store) => ctx.CallActivityAsync<int>("Load", store))
            .AddOrchestratorFunc<string[], int>("Parent", async (ctx, stores) =>
            {
                var totals = await Task.WhenAll(stores.Select(s => ctx.CallSubOrchestratorAsync<int>("Child", s)));
                return totals.Sum();
            }));

        var result = await test.RunAsync("Parent", new[] { "S01" });

        Assert.Equal(OrchestrationRuntimeStatus.Failed, result.RuntimeStatus);
        Assert.Contains("Child", result.FailureDetails!.ErrorMessage);
        var childId = $"{result.InstanceId}:0";
        var child = await test.Client.GetInstanceAsync(childId, true);
        Assert.Equal(OrchestrationRuntimeStatus.Failed, child!.RuntimeStatus);
        var started = (await test.Client.GetOrchestrationHistoryAsync(childId)).OfType<global::DurableTask.Core.History.ExecutionStartedEvent>().Single();
        Assert.Equal("Child", started.Name);
        Assert.Equal("no sales for S01", result.FailureDetails.RootMessage());
    }

    [Fact]
    public async Task Sub_orchestrations_return_their_output_to_the_parent()
    {
        await using var test = await TestEngine.StartAsync(r => r
            .AddActivityFunc<int, int>("Inc", (_, x) => Task.FromResult(x + 1))
            .AddOrchestratorFunc<int, int>("Child", (ctx, x) => ctx.CallActivityAsync<int>("Inc", x))
            .AddOrchestratorFunc<int, int>("Parent", async (ctx, n) =>
            {
                var results = await Task.WhenAll(Enumerable.Range(0, n).Select(i =>
                    ctx.CallSubOrchestratorAsync<int>("Child", i, new SubOrchestrationOptions(retry: null, instanceId: $"child-{i}"))));
                return results.Sum();
            }));

        var result = await test.RunAsync("Parent", 20);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.Equal(Enumerable.Range(1, 20).Sum(), result.ReadOutputAs<int>());
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await test.Client.GetInstanceAsync("child-7", true))!.RuntimeStatus);
    }

    [Fact]
    public async Task An_eternal_continue_as_new_loop_keeps_its_history_bounded()
    {
        var historySizes = new ConcurrentBag<int>();
        await using var test = await TestEngine.StartAsync(r => r
            .AddActivityFunc<int, int>("Tick", (_, x) => Task.FromResult(x + 1))
            .AddOrchestratorFunc<int, int>("Loop", async (ctx, count) =>
            {
                var next = await ctx.CallActivityAsync<int>("Tick", count);
                await ctx.CreateTimer(TimeSpan.FromMilliseconds(1), CancellationToken.None);
                if (next >= 150) return next;
                ctx.ContinueAsNew(next);
                return next;
            }));

        var id = await test.Client.ScheduleNewOrchestrationInstanceAsync("Loop", 0);
        // Sample the stored history while the loop runs.
        while (true)
        {
            var metadata = await test.Client.GetInstanceAsync(id, true);
            historySizes.Add((await test.Client.GetHistoryAsync(id)).Count);
            if (metadata!.IsCompleted) break;
            await Task.Delay(25);
        }
        var result = await test.WaitAsync(id);

        Assert.Equal(150, result.ReadOutputAs<int>());
        Assert.All(historySizes, size => Assert.True(size <= 12, $"history grew to {size} events"));
        Assert.True((await test.Client.GetHistoryAsync(id)).Count <= 12);
    }

    [Fact]
    public async Task Continue_as_new_carries_over_events_that_arrived_but_were_not_consumed()
    {
        await using var test = await TestEngine.StartAsync(r => r
            .AddOrchestratorFunc<List<string>, List<string>>("Collector", async (ctx, seen) =>
            {
                var item = await ctx.WaitForExternalEvent<string>("Item");
                seen.Add(item);
                if (seen.Count == 3) return seen;
                ctx.ContinueAsNew(seen);
                return seen;
            }));

        var id = await test.Client.ScheduleNewOrchestrationInstanceAsync("Collector", new List<string>(),
            new StartOrchestrationOptions(StartAt: DateTimeOffset.UtcNow.AddMilliseconds(300)));
        foreach (var item in new[] { "a", "b", "c" }) await test.Client.RaiseEventAsync(id, "Item", item);

        var result = await test.WaitAsync(id);
        Assert.Equal(["a", "b", "c"], result.ReadOutputAs<List<string>>()!);
    }

    [Fact]
    public async Task A_changed_orchestrator_fails_its_old_instance_with_a_non_determinism_error()
    {
        static void Version1(DurableTaskRegistry r) => r
            .AddActivityFunc<int, int>("AggregateSales", (_, x) => Task.FromResult(x))
            .AddActivityFunc<int, int>("TrainModel", (_, x) => Task.FromResult(x))
            .AddOrchestratorFunc<int, int>("Forecast", async (ctx, x) =>
            {
                var sales = await ctx.CallActivityAsync<int>("AggregateSales", x);
                ctx.SetCustomStatus("awaiting review");
                await ctx.WaitForExternalEvent<string>("Reviewed");
                return sales;
            });

        static void Version2(DurableTaskRegistry r) => r
            .AddActivityFunc<int, int>("AggregateSales", (_, x) => Task.FromResult(x))
            .AddActivityFunc<int, int>("TrainModel", (_, x) => Task.FromResult(x))
            .AddOrchestratorFunc<int, int>("Forecast", async (ctx, x) =>
            {
                // The new version trains before aggregating: a different first step.
                var model = await ctx.CallActivityAsync<int>("TrainModel", x);
                await ctx.WaitForExternalEvent<string>("Reviewed");
                return model;
            });

        await using var test = await TestEngine.StartAsync(Version1);
        var id = await test.Client.ScheduleNewOrchestrationInstanceAsync("Forecast", 7);
        await test.WaitForAsync(id, m => m.ReadCustomStatusAs<string>() == "awaiting review");

        await test.RestartAsync(Version2);
        await test.Client.RaiseEventAsync(id, "Reviewed", "ok");
        var result = await test.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, result.RuntimeStatus);
        Assert.Equal(typeof(Serverless.Durable.Embedded.NonDeterministicOrchestrationException).FullName, result.FailureDetails!.ErrorType);
        Assert.Contains("step 0", result.FailureDetails.ErrorMessage);
        Assert.Contains("AggregateSales", result.FailureDetails.ErrorMessage);
        Assert.Contains("TrainModel", result.FailureDetails.ErrorMessage);

        // New instances run the new version without trouble.
        var fresh = await test.Client.ScheduleNewOrchestrationInstanceAsync("Forecast", 8);
        await test.Client.RaiseEventAsync(fresh, "Reviewed", "ok");
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await test.WaitAsync(fresh)).RuntimeStatus);
    }

    [Fact]
    public async Task An_evicted_orchestration_replays_from_history_to_the_same_result()
    {
        // With a cache of one executor, every other instance is rebuilt from history on each episode.
        await using var test = await TestEngine.StartAsync(r => r
            .AddActivityFunc<int, int>("Square", (_, x) => Task.FromResult(x * x))
            .AddOrchestratorFunc<int, int>("Chain", async (ctx, n) =>
            {
                var total = 0;
                for (var i = 1; i <= n; i++) total += await ctx.CallActivityAsync<int>("Square", i);
                return total;
            }), o => o.ExecutorCacheSize = 1);

        var ids = new List<string>();
        for (var i = 0; i < 10; i++) ids.Add(await test.Client.ScheduleNewOrchestrationInstanceAsync("Chain", 12));
        foreach (var id in ids)
        {
            var result = await test.WaitAsync(id);
            Assert.Equal(650, result.ReadOutputAs<int>());
        }
    }

    [Fact]
    public async Task Large_payloads_travel_by_reference_and_come_back_whole()
    {
        var big = new string('x', 200_000) + "end";
        await using var test = await TestEngine.StartAsync(r => r
            .AddActivityFunc<string, string>("Echo", (_, s) => Task.FromResult(s + "!"))
            .AddOrchestratorFunc<string, string>("Big", (ctx, s) => ctx.CallActivityAsync<string>("Echo", s)),
            o => o.LargePayloadThresholdChars = 10_000);

        var result = await test.RunAsync("Big", big);

        Assert.Equal(big + "!", result.ReadOutputAs<string>());
        Assert.Equal(big, result.ReadInputAs<string>());
        // The history rows themselves stay small: the payload is stored once, by reference.
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={test.DatabasePath}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT MAX(length(data)) FROM history";
        Assert.True((long)command.ExecuteScalar()! < 2_000);
        command.CommandText = "SELECT COUNT(*) FROM payloads";
        Assert.True((long)command.ExecuteScalar()! >= 2);
    }
}
