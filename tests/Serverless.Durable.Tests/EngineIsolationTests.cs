using Microsoft.Data.Sqlite;
using Serverless.Durable.Embedded;
using Serverless.Durable.Embedded.History;
using Serverless.Durable.Embedded.Persistence;

namespace Serverless.Durable.Tests;

/// <summary>
/// Payloads between instances, continue-as-new boundaries, lock and lease ownership, and failure isolation
/// in the embedded engine (issue 12 §4). Lost locks are simulated through the store, as a second worker on
/// the same database would cause them.
/// </summary>
public sealed class EngineIsolationTests
{
    // ---- 1. Large payloads sent to another instance ----

    [Fact]
    public async Task Large_payloads_reach_sub_orchestrations_event_targets_and_parents()
    {
        var big = new string('p', 5_000) + "end";
        await using var test = await TestEngine.StartAsync(r => r
            .AddOrchestratorFunc<string, string>("Child", (_, s) => Task.FromResult(s + s))
            .AddOrchestratorFunc<string, int>("Listener", async (ctx, _) => (await ctx.WaitForExternalEvent<string>("data")).Length)
            .AddOrchestratorFunc<string, int>("Parent", async (ctx, s) =>
            {
                var doubled = await ctx.CallSubOrchestratorAsync<string>("Child", s);
                ctx.SendEvent("listener", "data", doubled + s);
                return doubled.Length;
            }),
            o => o.LargePayloadThresholdChars = 1_000);

        await test.Client.ScheduleNewOrchestrationInstanceAsync("Listener", new StartOrchestrationOptions("listener"));
        var parent = await test.RunAsync("Parent", big, timeoutSeconds: 20);
        var listener = await test.WaitAsync("listener", timeoutSeconds: 20);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, parent.RuntimeStatus);
        Assert.Equal(2 * big.Length, parent.ReadOutputAs<int>());
        Assert.Equal(3 * big.Length, listener.ReadOutputAs<int>());
    }

    // ---- 2. Continue-as-new ----

    [Fact]
    public async Task Work_scheduled_by_an_episode_that_continues_as_new_is_not_dispatched()
    {
        var staleRuns = 0;
        await using var test = await TestEngine.StartAsync(r => r
            .AddActivityFunc<int, int>("Stale", (_, x) => { Interlocked.Increment(ref staleRuns); return Task.FromResult(x); })
            .AddOrchestratorFunc<int, string>("Loop", async (ctx, round) =>
            {
                if (round == 0)
                {
                    // Scheduled and abandoned: the episode ends in continue-as-new.
                    _ = ctx.CreateTimer(ctx.CurrentUtcDateTime, CancellationToken.None);
                    _ = ctx.CallActivityAsync<int>("Stale", 1);
                    _ = ctx.CallSubOrchestratorAsync<string>("Loop", 5, new SubOrchestrationOptions { InstanceId = "stale-child" });
                    ctx.ContinueAsNew(1);
                    return "restarted";
                }
                if (round == 5) return "child";
                ctx.SetCustomStatus("waiting");
                using var cancel = new CancellationTokenSource();
                var timer = ctx.CreateTimer(ctx.CurrentUtcDateTime.AddHours(1), cancel.Token);
                var go = ctx.WaitForExternalEvent<string>("go");
                var winner = await Task.WhenAny(timer, go);
                cancel.Cancel();
                return winner == go ? "event" : "timer";
            }));

        var id = await test.Client.ScheduleNewOrchestrationInstanceAsync("Loop", 0);
        await test.WaitForAsync(id, m => m.SerializedCustomStatus is not null || m.IsCompleted);
        await WaitUntilAsync(() => test.Engine.GetPendingWork() is { ReadyMessages: 0, Activities: 0 });
        var state = await test.Client.GetInstanceAsync(id, true);
        Assert.Equal(OrchestrationRuntimeStatus.Running, state!.RuntimeStatus);

        await test.Client.RaiseEventAsync(id, "go", "now");
        var result = await test.WaitAsync(id);

        Assert.Equal("event", result.ReadOutputAs<string>());
        Assert.Equal(0, staleRuns);
        Assert.Null(await test.Client.GetInstanceAsync("stale-child"));
    }

    [Fact]
    public async Task Completions_tagged_with_an_older_execution_are_dropped()
    {
        await using var test = await TestEngine.StartAsync(r => r
            .AddOrchestratorFunc<int, string>("Waiter", async (ctx, _) =>
            {
                ctx.SetCustomStatus("waiting");
                var timer = ctx.CreateTimer(ctx.CurrentUtcDateTime.AddHours(1), CancellationToken.None);
                var go = ctx.WaitForExternalEvent<string>("go");
                return await Task.WhenAny(timer, go) == go ? "event" : "timer";
            }));
        var id = await test.Client.ScheduleNewOrchestrationInstanceAsync("Waiter", 0);
        await test.WaitForAsync(id, m => m.SerializedCustomStatus is not null);
        await WaitUntilAsync(() => test.Engine.GetPendingWork() is { ReadyMessages: 0 });

        // A timer of an earlier execution of the same instance, with the task id of the current one.
        InsertMessage(test, id, 3, new DurableEvent { Type = EventType.TimerFired, Timestamp = DateTime.UtcNow, TaskId = 0, ExecutionId = "old" });
        test.Engine.NotifyWork();
        await WaitUntilAsync(() => test.Engine.GetPendingWork() is { ReadyMessages: 0 });
        await test.Client.RaiseEventAsync(id, "go", "now");

        Assert.Equal("event", (await test.WaitAsync(id)).ReadOutputAs<string>());
    }

    // ---- 3. Ownership of locks and leases ----

    [Fact]
    public async Task An_episode_whose_lock_was_taken_over_commits_nothing()
    {
        await using var db = await StoreOnFile.CreateAsync();
        var now = DateTime.UtcNow;
        await db.Store.CreateInstanceAsync("i1", "Work", null, "1", now, null, CancellationToken.None);
        var mine = Assert.Single(await db.Store.ClaimOrchestrationsAsync("A", now, TimeSpan.FromSeconds(30), 10, 100, CancellationToken.None));

        // A's lock expires; B claims the instance.
        var later = now.AddSeconds(31);
        var theirs = Assert.Single(await db.Store.ClaimOrchestrationsAsync("B", later, TimeSpan.FromSeconds(30), 10, 100, CancellationToken.None));

        var stale = new EpisodeCommit { Instance = mine.Instance, Status = InstanceStatus.Completed, Output = "\"from A\"" };
        stale.ConsumedMessageIds.AddRange(mine.Messages.Select(m => m.Id));
        stale.AppendHistory.Add(new DurableEvent { Type = EventType.ExecutionCompleted, Timestamp = later, Data = "\"from A\"" });
        await db.Store.CommitEpisodesAsync("A", [stale], later, CancellationToken.None);

        Assert.Equal(("B", (long)InstanceStatus.Pending, 0L), db.LockStatusHistory("i1"));
        Assert.Equal(1, db.Count("SELECT COUNT(*) FROM inbox WHERE instance_id = 'i1'"));

        // B, the owner, commits normally.
        var fresh = new EpisodeCommit { Instance = theirs.Instance, Status = InstanceStatus.Completed, Output = "\"from B\"" };
        fresh.ConsumedMessageIds.AddRange(theirs.Messages.Select(m => m.Id));
        fresh.AppendHistory.Add(new DurableEvent { Type = EventType.ExecutionCompleted, Timestamp = later, Data = "\"from B\"" });
        await db.Store.CommitEpisodesAsync("B", [fresh], later, CancellationToken.None);
        Assert.Equal((null, (long)InstanceStatus.Completed, 1L), db.LockStatusHistory("i1"));
        Assert.Equal("\"from B\"", db.Store.GetInstance("i1", decodePayloads: true)!.Output);
    }

    [Fact]
    public async Task Releasing_locks_leaves_other_workers_locks_alone()
    {
        await using var db = await StoreOnFile.CreateAsync();
        var now = DateTime.UtcNow;
        await db.Store.CreateInstanceAsync("i1", "Work", null, null, now, null, CancellationToken.None);
        Assert.Single(await db.Store.ClaimOrchestrationsAsync("B", now, TimeSpan.FromSeconds(30), 10, 100, CancellationToken.None));

        await db.Store.ReleaseLocksAsync("A", ["i1"], CancellationToken.None);
        Assert.Equal("B", db.LockStatusHistory("i1").Owner);

        await db.Store.ReleaseLocksAsync("B", ["i1"], CancellationToken.None);
        Assert.Null(db.LockStatusHistory("i1").Owner);
    }

    [Fact]
    public async Task A_finished_child_that_receives_late_messages_does_not_notify_its_parent_again()
    {
        await using var test = await TestEngine.StartAsync(r => r
            .AddOrchestratorFunc<int, int>("Child", (_, x) => Task.FromResult(x + 1))
            .AddOrchestratorFunc<int, int>("Parent", async (ctx, x) =>
            {
                var y = await ctx.CallSubOrchestratorAsync<int>("Child", x, new SubOrchestrationOptions { InstanceId = "child" });
                ctx.SetCustomStatus("child done");
                await ctx.WaitForExternalEvent<string>("go");
                return y;
            }));
        var id = await test.Client.ScheduleNewOrchestrationInstanceAsync("Parent", 1);
        await test.WaitForAsync(id, m => m.SerializedCustomStatus is not null);

        // A late message for the finished child (an event that raced with its completion).
        InsertMessage(test, "child", 4, new DurableEvent { Type = EventType.EventRaised, Timestamp = DateTime.UtcNow, Name = "late" });
        test.Engine.NotifyWork();
        await WaitUntilAsync(() => test.Engine.GetPendingWork() is { ReadyMessages: 0 });
        await test.Client.RaiseEventAsync(id, "go", "now");
        var result = await test.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.Equal(2, result.ReadOutputAs<int>());
        var history = await test.Client.GetHistoryAsync(id);
        Assert.Single(history, e => e.EventType == "SubOrchestrationInstanceCompleted" || e.EventType == "SubOrchestrationCompleted");
    }

    [Fact]
    public async Task An_activity_result_from_an_earlier_lease_of_the_same_worker_is_dropped()
    {
        await using var db = await StoreOnFile.CreateAsync();
        var now = DateTime.UtcNow;
        db.Execute("INSERT INTO activities (instance_id, execution_id, task_id, name, input, lease_until) VALUES ('i1', 'e1', 0, 'Work', NULL, 0)");
        var first = Assert.Single(await db.Store.LeaseActivitiesAsync("A", now, TimeSpan.FromSeconds(30), 10, CancellationToken.None));
        var later = now.AddSeconds(31);
        var second = Assert.Single(await db.Store.LeaseActivitiesAsync("A", later, TimeSpan.FromSeconds(30), 10, CancellationToken.None));
        Assert.Equal(2, second.Attempt);

        Assert.Equal(0, await db.Store.CompleteActivitiesAsync("A", [new ActivityCompletion(first, "1", null, later)], later, CancellationToken.None));
        Assert.Equal(1, await db.Store.CompleteActivitiesAsync("A", [new ActivityCompletion(second, "2", null, later)], later, CancellationToken.None));
        Assert.Equal(1, db.Count("SELECT COUNT(*) FROM inbox WHERE instance_id = 'i1' AND json_extract(data, '$.data') = '2'"));
    }

    [Fact]
    public async Task An_activity_result_committed_after_its_lease_expired_is_dropped()
    {
        await using var db = await StoreOnFile.CreateAsync();
        var now = DateTime.UtcNow;
        db.Execute("INSERT INTO activities (instance_id, execution_id, task_id, name, input, lease_until) VALUES ('i1', 'e1', 0, 'Work', NULL, 0)");
        var item = Assert.Single(await db.Store.LeaseActivitiesAsync("A", now, TimeSpan.FromSeconds(30), 10, CancellationToken.None));

        var late = now.AddSeconds(31);
        Assert.Equal(0, await db.Store.CompleteActivitiesAsync("A", [new ActivityCompletion(item, "1", null, late)], late, CancellationToken.None));
        Assert.Equal(0, db.Count("SELECT COUNT(*) FROM inbox"));
        Assert.Equal(1, db.Count("SELECT COUNT(*) FROM activities"));
    }

    [Fact]
    public async Task Leases_of_activities_whose_results_wait_to_be_committed_are_still_renewed()
    {
        await using var test = await TestEngine.StartAsync(r => r
            .AddActivityFunc<int, int>("Quick", (_, x) => Task.FromResult(x))
            .AddOrchestratorFunc<int, int>("CallQuick", (ctx, x) => ctx.CallActivityAsync<int>("Quick", x)),
            o => o.ActivityLeaseDuration = TimeSpan.FromSeconds(4)); // renewed every 1.3 s
        test.Engine.HoldActivityResults = true;
        var id = await test.Client.ScheduleNewOrchestrationInstanceAsync("CallQuick", 7);
        await WaitUntilAsync(() => test.Engine.ActivityResultsWaiting == 1);

        var before = LeaseUntil(test);
        await WaitUntilAsync(() => LeaseUntil(test) > before);
        // Renewed by this worker, not leased again after expiring.
        Assert.Equal(1L, Attempts(test));
        Assert.Equal(1, test.Engine.ActivityExecutionCount);

        test.Engine.HoldActivityResults = false;
        Assert.Equal(7, (await test.WaitAsync(id)).ReadOutputAs<int>());
    }

    // ---- 4. One poison instance ----

    [Fact]
    public async Task A_poison_instance_fails_alone_and_the_rest_of_its_batch_goes_on()
    {
        await using var test = await TestEngine.StartAsync(r => r
            .AddOrchestratorFunc<string, string>("Wait", async (ctx, _) => await ctx.WaitForExternalEvent<string>("x")));
        foreach (var id in new[] { "poison", "bad-json", "healthy" })
        {
            await test.Client.ScheduleNewOrchestrationInstanceAsync("Wait", new StartOrchestrationOptions(id));
            await test.WaitForAsync(id, m => m.RuntimeStatus == OrchestrationRuntimeStatus.Running);
        }
        await WaitUntilAsync(() => test.Engine.GetPendingWork() is { ReadyMessages: 0 });

        using (var connection = Open(test))
        using (var transaction = connection.BeginTransaction())
        {
            Insert(connection, transaction, "poison", 4, SqliteEngineStore.SerializeEvent(
                new DurableEvent { Type = EventType.EventRaised, Timestamp = DateTime.UtcNow, Name = "x", Data = "@payload:0123456789abcdef" }));
            Insert(connection, transaction, "bad-json", 4, "{ not json");
            Insert(connection, transaction, "healthy", 4, SqliteEngineStore.SerializeEvent(
                new DurableEvent { Type = EventType.EventRaised, Timestamp = DateTime.UtcNow, Name = "x", Data = "\"fine\"" }));
            transaction.Commit();
        }
        test.Engine.NotifyWork();

        Assert.Equal("fine", (await test.WaitAsync("healthy", timeoutSeconds: 20)).ReadOutputAs<string>());
        var poison = await test.WaitAsync("poison", timeoutSeconds: 20);
        Assert.Equal(OrchestrationRuntimeStatus.Failed, poison.RuntimeStatus);
        Assert.Contains("0123456789abcdef", poison.FailureDetails!.ErrorMessage);
        var badJson = await test.WaitAsync("bad-json", timeoutSeconds: 20);
        Assert.Equal(OrchestrationRuntimeStatus.Failed, badJson.RuntimeStatus);
        Assert.Contains("message", badJson.FailureDetails!.ErrorMessage);
    }

    [Fact]
    public async Task An_episode_that_cannot_be_written_fails_its_instance_and_the_rest_of_the_batch_is_written()
    {
        await using var db = await StoreOnFile.CreateAsync();
        var now = DateTime.UtcNow;
        await db.Store.CreateInstanceAsync("bad", "Work", null, null, now, null, CancellationToken.None);
        await db.Store.CreateInstanceAsync("good", "Work", null, null, now, null, CancellationToken.None);
        var items = await db.Store.ClaimOrchestrationsAsync("A", now, TimeSpan.FromSeconds(30), 10, 100, CancellationToken.None);
        Assert.Equal(2, items.Count);

        var commits = items.Select(item =>
        {
            var commit = new EpisodeCommit { Instance = item.Instance, Status = InstanceStatus.Running };
            commit.ConsumedMessageIds.AddRange(item.Messages.Select(m => m.Id));
            // An activity without a name cannot be written (a null where the store needs a value).
            var scheduled = new DurableEvent { Type = EventType.TaskScheduled, Timestamp = now, TaskId = 0, Name = item.Instance.Id == "bad" ? null : "Step" };
            commit.AppendHistory.Add(scheduled);
            commit.Actions.Add(scheduled);
            return commit;
        }).ToList();
        var outcomes = await db.Store.CommitEpisodesAsync("A", commits, now, CancellationToken.None);

        Assert.Equal((long)InstanceStatus.Running, db.LockStatusHistory("good").Status);
        Assert.Equal(1, db.Count("SELECT COUNT(*) FROM activities WHERE instance_id = 'good'"));
        var bad = db.Store.GetInstance("bad", decodePayloads: true)!;
        Assert.Equal(InstanceStatus.Failed, bad.Status);
        Assert.Contains("could not write an episode", bad.Failure!.ErrorMessage);
        Assert.Equal(0, db.Count("SELECT COUNT(*) FROM activities WHERE instance_id = 'bad'"));
        Assert.Equal(0, db.Count("SELECT COUNT(*) FROM inbox"));
        var byId = items.Select((item, i) => (item.Instance.Id, Outcome: outcomes[i])).ToDictionary(x => x.Id, x => x.Outcome);
        Assert.Equal(CommitOutcome.Failed, byId["bad"]);
        Assert.Equal(CommitOutcome.Committed, byId["good"]);
    }

    // ---- helpers ----

    private static async Task WaitUntilAsync(Func<bool> condition, int timeoutSeconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The engine did not reach the expected state.");
            await Task.Delay(20);
        }
    }

    private static SqliteConnection Open(TestEngine test)
    {
        var connection = new SqliteConnection($"Data Source={test.DatabasePath};Pooling=False;Default Timeout=30");
        connection.Open();
        return connection;
    }

    private static void InsertMessage(TestEngine test, string instanceId, int kind, DurableEvent e)
    {
        using var connection = Open(test);
        Insert(connection, null, instanceId, kind, SqliteEngineStore.SerializeEvent(e));
    }

    private static void Insert(SqliteConnection connection, SqliteTransaction? transaction, string instanceId, int kind, string data)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO inbox (instance_id, kind, visible_at, data) VALUES ($i, $k, 0, $d)";
        command.Parameters.AddWithValue("$i", instanceId);
        command.Parameters.AddWithValue("$k", kind);
        command.Parameters.AddWithValue("$d", data);
        command.ExecuteNonQuery();
    }

    private static long Attempts(TestEngine test)
    {
        using var connection = Open(test);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT IFNULL(MAX(attempts), 0) FROM activities";
        return (long)command.ExecuteScalar()!;
    }

    private static long LeaseUntil(TestEngine test)
    {
        using var connection = Open(test);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT IFNULL(MAX(lease_until), 0) FROM activities";
        return (long)command.ExecuteScalar()!;
    }

    private sealed class StoreOnFile : IAsyncDisposable
    {
        private readonly string _folder;

        private StoreOnFile(string folder, SqliteEngineStore store, string path)
        {
            _folder = folder;
            Store = store;
            Path = path;
        }

        public SqliteEngineStore Store { get; }

        public string Path { get; }

        public static Task<StoreOnFile> CreateAsync()
        {
            var folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "serverless-durable-tests", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            var path = System.IO.Path.Combine(folder, "engine.db");
            return Task.FromResult(new StoreOnFile(folder, new SqliteEngineStore(new EmbeddedEngineOptions { DatabasePath = path }), path));
        }

        public void Execute(string sql)
        {
            using var connection = new SqliteConnection($"Data Source={Path};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }

        public long Count(string sql)
        {
            using var connection = new SqliteConnection($"Data Source={Path};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            return (long)command.ExecuteScalar()!;
        }

        public (string? Owner, long Status, long HistoryCount) LockStatusHistory(string id)
        {
            using var connection = new SqliteConnection($"Data Source={Path};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT lock_owner, status, history_count FROM instances WHERE id = $id";
            command.Parameters.AddWithValue("$id", id);
            using var reader = command.ExecuteReader();
            reader.Read();
            return (reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2));
        }

        public ValueTask DisposeAsync()
        {
            Store.Dispose();
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
            }
            return ValueTask.CompletedTask;
        }
    }
}
