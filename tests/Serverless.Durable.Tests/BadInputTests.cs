using Microsoft.Data.Sqlite;
using Serverless.Durable.Embedded;
using Serverless.Durable.Embedded.Persistence;

namespace Serverless.Durable.Tests;

/// <summary>Bad input gets a clear error, nothing is lost, and the engine keeps serving other instances.</summary>
public sealed class BadInputTests
{
    private static void Register(DurableTaskRegistry r) => r
        .AddActivityFunc<int, int>("Echo", (_, x) => Task.FromResult(x))
        .AddOrchestratorFunc<int, int>("Ok", (ctx, x) => ctx.CallActivityAsync<int>("Echo", x))
        .AddOrchestratorFunc<int, int>("CallsMissing", (ctx, x) => ctx.CallActivityAsync<int>("NoSuchActivity", x));

    [Fact]
    public async Task An_unknown_orchestrator_is_refused_with_the_known_names()
    {
        await using var test = await TestEngine.StartAsync(Register);
        var error = await Assert.ThrowsAsync<UnknownTaskException>(() => test.Client.ScheduleNewOrchestrationInstanceAsync("Forcast", 1));
        Assert.Contains("'Forcast'", error.Message);
        Assert.Contains("Ok", error.Message);
        Assert.Empty((await test.Client.QueryInstancesAsync(new OrchestrationQuery())).Instances);
    }

    [Fact]
    public async Task An_unknown_activity_fails_only_its_instance()
    {
        await using var test = await TestEngine.StartAsync(Register);
        var broken = await test.Client.ScheduleNewOrchestrationInstanceAsync("CallsMissing", 1);
        var ok = await test.Client.ScheduleNewOrchestrationInstanceAsync("Ok", 2);

        var failed = await test.WaitAsync(broken);
        Assert.Equal(OrchestrationRuntimeStatus.Failed, failed.RuntimeStatus);
        Assert.Contains("No activity named 'NoSuchActivity'", failed.FailureDetails!.RootMessage());
        Assert.Equal(2, (await test.WaitAsync(ok)).ReadOutputAs<int>());
    }

    [Fact]
    public async Task Input_the_orchestrator_cannot_read_is_refused_at_schedule_time()
    {
        await using var test = await TestEngine.StartAsync(Register);
        using var json = System.Text.Json.JsonDocument.Parse("""{"store": "S01"}""");
        var error = await Assert.ThrowsAsync<InvalidPayloadException>(() =>
            test.Client.ScheduleNewOrchestrationInstanceAsync("Ok", json.RootElement));
        Assert.Contains("'Ok'", error.Message);
        Assert.Empty((await test.Client.QueryInstancesAsync(new OrchestrationQuery())).Instances);
    }

    [Fact]
    public async Task An_instance_id_in_use_is_refused_and_the_existing_instance_is_untouched()
    {
        await using var test = await TestEngine.StartAsync(Register);
        await test.RunAsync("Ok", 1, instanceId: "weekly-2026-11-23");
        var error = await Assert.ThrowsAsync<InstanceAlreadyExistsException>(() =>
            test.Client.ScheduleNewOrchestrationInstanceAsync("Ok", 2, new StartOrchestrationOptions("weekly-2026-11-23")));
        Assert.Contains("weekly-2026-11-23", error.Message);
        Assert.Equal(1, (await test.Client.GetInstanceAsync("weekly-2026-11-23", true))!.ReadOutputAs<int>());
    }

    [Fact]
    public async Task Events_for_finished_or_unknown_instances_are_refused()
    {
        await using var test = await TestEngine.StartAsync(Register);
        var done = await test.RunAsync("Ok", 1);
        var finished = await Assert.ThrowsAsync<InstanceStateException>(() => test.Client.RaiseEventAsync(done.InstanceId, "Reviewed", "late"));
        Assert.Contains("Completed", finished.Message);
        await Assert.ThrowsAsync<InstanceNotFoundException>(() => test.Client.RaiseEventAsync("nope", "Reviewed", "x"));
    }

    [Fact]
    public async Task A_locked_database_gives_a_clear_error_and_the_engine_carries_on_afterwards()
    {
        await using var test = await TestEngine.StartAsync(Register, o => o.BusyTimeout = TimeSpan.FromMilliseconds(300));
        var first = await test.RunAsync("Ok", 1);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, first.RuntimeStatus);

        // Another process holds the write lock.
        using (var other = new SqliteConnection($"Data Source={test.DatabasePath};Pooling=False"))
        {
            other.Open();
            using var begin = other.CreateCommand();
            begin.CommandText = "BEGIN EXCLUSIVE";
            begin.ExecuteNonQuery();

            var error = await Assert.ThrowsAsync<EngineStorageException>(() => test.Client.ScheduleNewOrchestrationInstanceAsync("Ok", 2));
            Assert.Contains("locked", error.Message);
            Assert.Contains(test.DatabasePath, error.Message);

            using var rollback = other.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            rollback.ExecuteNonQuery();
        }

        var second = await test.RunAsync("Ok", 3);
        Assert.Equal(3, second.ReadOutputAs<int>());
    }

    [Fact]
    public async Task A_corrupt_database_file_is_reported_by_path()
    {
        var folder = Path.Combine(Path.GetTempPath(), "serverless-durable-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "engine.db");
        await File.WriteAllTextAsync(path, "this is not a database, it is a shopping list: tea, coffee, water\n" + new string('#', 4096));
        try
        {
            var error = Assert.Throws<EngineStorageException>(() =>
                new EmbeddedEngine(new DurableTaskRegistry(), new EmbeddedEngineOptions { DatabasePath = path }));
            Assert.Contains(path, error.Message);
            Assert.Contains("corrupt or not a SQLite database", error.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
