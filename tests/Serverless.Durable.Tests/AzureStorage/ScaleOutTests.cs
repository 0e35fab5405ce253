using System.Diagnostics;
using System.Globalization;
using Azure.Data.Tables;
using DurableTask.Core.History;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Durable.AzureStorage;
using Serverless.Testing;
using Xunit.Abstractions;

namespace Serverless.Durable.Tests.AzureStorage;

/// <summary>
/// Two worker processes (tests/Serverless.Durable.ScaleOutHost) serve one task hub on Azurite. A fan-out runs on
/// both; one is killed with SIGKILL mid-run; the other finishes the instance with the output of an undisturbed run,
/// and no activity whose result history had committed before the kill runs again.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class ScaleOutTests(EmulatorFixture emulators, ITestOutputHelper output)
{
    private const int ActivityCount = 200;
    private const int PartitionCount = 4; // as the host sets it
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Two_workers_share_a_fan_out_and_one_killed_mid_run_loses_nothing_committed()
    {
        var taskHub = "s" + Guid.NewGuid().ToString("N")[..20];
        using var workerA = StartWorker(taskHub, "worker-a");
        using var workerB = StartWorker(taskHub, "worker-b");
        await using var services = ClientFor(taskHub);
        var client = services.GetRequiredService<DurableTaskClient>();
        var hub = services.GetRequiredService<AzureStorageTaskHub>();
        var executions = new TableClient(emulators.StorageConnectionString, "scaleoutexecutions");
        try
        {
            await Task.WhenAll(WaitForReadyAsync(workerA), WaitForReadyAsync(workerB));

            // The undisturbed run, on both workers.
            var clean = await client.ScheduleNewOrchestrationInstanceAsync("RecordedFanOut", ActivityCount);
            var cleanResult = await WaitForCompletionAsync(client, clean);
            Assert.Equal(OrchestrationRuntimeStatus.Completed, cleanResult.RuntimeStatus);

            var crashed = await client.ScheduleNewOrchestrationInstanceAsync("RecordedFanOut", ActivityCount);
            // The real signal: both workers have run activities of this instance and history holds some, not all, results.
            HashSet<int> committed = [];
            await WaitUntilAsync(async () =>
            {
                var workers = (await ReadExecutionsAsync(executions, crashed)).Select(e => e.Worker).Distinct().Count();
                if (workers < 2) return false;
                committed = await CommittedActivitiesAsync(client, crashed);
                return committed.Count >= 10;
            }, "both workers to run activities of the instance", workerA, workerB);

            // Kill the worker holding the instance's partition, so both its partitions and its activities must move.
            var owner = await PartitionOwnerAsync(taskHub, crashed);
            Assert.True(owner is "worker-a" or "worker-b", $"the instance's partition is owned by '{owner}'");
            var (victim, survivor, survivorId) = owner == "worker-b" ? (workerB, workerA, "worker-a") : (workerA, workerB, "worker-b");
            committed = await CommittedActivitiesAsync(client, crashed);
            victim.Kill(entireProcessTree: true);
            await victim.WaitForExitAsync();
            Assert.True(committed.Count < ActivityCount, "the kill came after the fan-out had finished");
            var beforeKill = await ReadExecutionsAsync(executions, crashed);

            var result = await WaitForCompletionAsync(client, crashed);
            Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
            Assert.Equal(cleanResult.SerializedOutput, result.SerializedOutput);
            Assert.Equal(Enumerable.Range(0, ActivityCount).Sum(i => (long)i * i), result.ReadOutputAs<long>());
            Assert.False(survivor.HasExited, "the surviving worker exited");
            // The instance's partition moved to the survivor once the dead worker's lease ran out.
            Assert.Equal(survivorId, await PartitionOwnerAsync(taskHub, crashed));

            var runs = await ReadExecutionsAsync(executions, crashed);
            var perActivity = runs.GroupBy(r => r.Activity).ToDictionary(g => g.Key, g => g.Count());
            Assert.Equal(ActivityCount, perActivity.Count);
            foreach (var id in committed)
            {
                Assert.True(perActivity[id] == 1, $"activity {id} had its result committed before the kill but ran {perActivity[id]} times");
            }
            var perWorkerBeforeKill = beforeKill.GroupBy(r => r.Worker).ToDictionary(g => g.Key, g => g.Count());
            Assert.Equal(2, perWorkerBeforeKill.Count);
            var repeated = perActivity.Count(p => p.Value > 1);
            // Only activities in flight at the kill (not committed) may run again: at-least-once.
            Assert.True(repeated <= ActivityCount - committed.Count);
            output.WriteLine($"killed {owner}, the owner of the instance's partition; " +
                $"runs before the kill: {string.Join(", ", perWorkerBeforeKill.Select(p => $"{p.Key} {p.Value}"))}; " +
                $"committed before the kill: {committed.Count}; ran again: {repeated}; " +
                $"runs in all: {string.Join(", ", runs.GroupBy(r => r.Worker).Select(g => $"{g.Key} {g.Count()}"))}");
        }
        finally
        {
            foreach (var worker in new[] { workerA, workerB }.Where(w => !w.HasExited))
            {
                worker.StandardInput.Close();
                if (!await ExitsWithinAsync(worker, TimeSpan.FromSeconds(20))) worker.Kill(entireProcessTree: true);
            }
            await hub.Service.DeleteAsync();
        }
    }

    [Fact]
    public void Lease_and_visibility_settings_too_short_to_work_are_refused_naming_the_setting()
    {
        var options = new AzureStorageEngineOptions
        {
            ConnectionString = "UseDevelopmentStorage=true",
            LeaseInterval = TimeSpan.FromSeconds(1),
            MessageVisibilityTimeout = TimeSpan.FromMilliseconds(500),
        };
        var problems = options.Validate();
        Assert.Contains(problems, p => p.StartsWith("Serverless:Engine:AzureStorage:LeaseInterval must be at least 3 s", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Serverless:Engine:AzureStorage:MessageVisibilityTimeout must be at least 1 s", StringComparison.Ordinal));
        options.LeaseInterval = TimeSpan.FromSeconds(6);
        options.MessageVisibilityTimeout = TimeSpan.FromSeconds(10);
        Assert.Empty(options.Validate());
    }

    private sealed record Execution(int Activity, string Worker, int ProcessId);

    private static async Task<List<Execution>> ReadExecutionsAsync(TableClient table, string instanceId)
    {
        var rows = new List<Execution>();
        try
        {
            await foreach (var e in table.QueryAsync<TableEntity>(e => e.PartitionKey == instanceId))
            {
                rows.Add(new Execution(e.GetInt32("Activity")!.Value, e.GetString("Worker"), e.GetInt32("ProcessId")!.Value));
            }
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
        }
        return rows;
    }

    /// <summary>The activities whose results history holds: in a fan-out, activity i is scheduled as task i.</summary>
    private static async Task<HashSet<int>> CommittedActivitiesAsync(DurableTaskClient client, string instanceId) =>
        (await client.GetOrchestrationHistoryAsync(instanceId)).OfType<TaskCompletedEvent>().Select(e => e.TaskScheduledId).ToHashSet();

    /// <summary>The worker whose lease covers the instance's control queue, from the task hub's partition table.</summary>
    private async Task<string?> PartitionOwnerAsync(string taskHub, string instanceId)
    {
        // DurableTask.AzureStorage places an instance by the 32-bit FNV-1a hash of its id's UTF-8 bytes.
        var hash = 2166136261u;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(instanceId)) hash = (hash ^ b) * 16777619u;
        var queue = $"{taskHub.ToLowerInvariant()}-control-{hash % PartitionCount:00}";
        var partitions = new TableClient(emulators.StorageConnectionString, taskHub + "Partitions");
        await foreach (var row in partitions.QueryAsync<TableEntity>())
        {
            if (row.RowKey == queue) return row.GetString("CurrentOwner");
        }
        return null;
    }

    private ServiceProvider ClientFor(string taskHub)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<DataConverter>(DurableJson.Converter);
        services.AddDurableTaskClient(b => b.UseAzureStorage(o =>
        {
            o.ConnectionString = emulators.StorageConnectionString;
            o.TaskHubName = taskHub;
            o.PartitionCount = PartitionCount;
        }));
        return services.BuildServiceProvider();
    }

    private Process StartWorker(string taskHub, string workerId)
    {
        var hostDll = BuiltAssembly.PathOf("tests/Serverless.Durable.ScaleOutHost", "Serverless.Durable.ScaleOutHost");
        Assert.True(File.Exists(hostDll), $"worker host not built at {hostDll}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { hostDll, emulators.StorageConnectionString, taskHub, workerId, "4" }) start.ArgumentList.Add(arg);
        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) output.WriteLine($"[{workerId}] {e.Data}");
        };
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitForReadyAsync(Process worker)
    {
        using var timeout = new CancellationTokenSource(Deadline);
        while (await worker.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line == "ready") return;
        }
        Assert.Fail($"a worker exited before it was ready (exit code {worker.ExitCode})");
    }

    private static async Task<OrchestrationMetadata> WaitForCompletionAsync(DurableTaskClient client, string instanceId)
    {
        using var timeout = new CancellationTokenSource(Deadline);
        return await client.WaitForInstanceCompletionAsync(instanceId, true, timeout.Token);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, params Process[] workers)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            Assert.All(workers, w => Assert.False(w.HasExited, "a worker exited before the kill"));
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited {Deadline.TotalSeconds:0} s for {what}");
            await Task.Delay(20);
        }
    }

    private static async Task<bool> ExitsWithinAsync(Process process, TimeSpan timeout)
    {
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
