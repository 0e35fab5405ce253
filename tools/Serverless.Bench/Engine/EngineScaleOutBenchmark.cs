using System.Diagnostics;
using System.Globalization;
using Azure.Data.Tables;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Bench.Harness;
using Serverless.Durable;
using Serverless.Durable.AzureStorage;
using Serverless.Testing;

namespace Serverless.Bench.Engine;

/// <summary>
/// The same two workloads on the embedded engine and on the AzureStorage provider (Azurite) with one and with two
/// worker processes on one task hub: one instance fanning out to 1,000 activities, and 100 instances of 5
/// sequential activities. The workers are tests/Serverless.Durable.ScaleOutHost, each activity returns the worker
/// that ran it, so the two-worker runs report how the activities split.
/// </summary>
public sealed class EngineScaleOutBenchmark : IBenchmark
{
    private const int PartitionCount = 4; // as the worker host sets it

    public string Name => "engine-scaleout";

    public string Description => "Fan-out of 1,000 and 100 x 5 sequential activities: embedded vs AzureStorage (Azurite) with 1 and 2 worker processes.";

    public async Task<BenchmarkReport> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var fanOut = context.GetInt("fanout", 1_000);
        var instances = context.GetInt("instances", 100);
        var steps = context.GetInt("steps", 5);
        var workerActivities = context.GetInt("worker-activities", 16);
        var metrics = new List<BenchmarkMetric>();
        var load = new List<string>();

        context.Progress("embedded engine (durable SQLite)");
        await EngineScenarios.FanOutAsync(context.WorkDirectory, inMemory: false, 100);
        var embeddedFan = await EngineScenarios.FanOutAsync(context.WorkDirectory, inMemory: false, fanOut);
        var embeddedSeq = await EngineScenarios.SequencesAsync(context.WorkDirectory, inMemory: false, instances, steps);
        AddFigures(metrics, "embedded", fanOut, embeddedFan, instances * steps, embeddedSeq.Elapsed, null, null);
        load.Add($"embedded {LoadAverage()}");

        await using var emulators = new Emulators();
        await emulators.StartAsync();
        foreach (var workers in new[] { 1, 2 })
        {
            var label = $"AzureStorage, {workers} worker{(workers > 1 ? "s" : "")}";
            context.Progress(label);
            var taskHub = "b" + Guid.NewGuid().ToString("N")[..20];
            var processes = Enumerable.Range(0, workers)
                .Select(i => StartWorker(emulators.Storage, taskHub, $"worker-{(char)('a' + i)}", workerActivities)).ToList();
            await using var client = Client(emulators.Storage, taskHub);
            var durable = client.GetRequiredService<DurableTaskClient>();
            try
            {
                foreach (var p in processes) await WaitForReadyAsync(p, cancellationToken);
                // Measured once every worker holds partitions, after a warm-up through all of them.
                await WaitForOwnersAsync(emulators.Storage, taskHub, workers, cancellationToken);
                await RunFanOutAsync(durable, 20, cancellationToken);
                var (fanTime, fanCounts) = await RunFanOutAsync(durable, fanOut, cancellationToken);
                context.Progress($"  fan-out {fanTime.TotalSeconds:F1} s {Format(fanCounts)}");
                var (seqTime, seqCounts) = await RunSequencesAsync(durable, instances, steps, cancellationToken);
                context.Progress($"  sequences {seqTime.TotalSeconds:F1} s {Format(seqCounts)}");
                AddFigures(metrics, label, fanOut, fanTime, instances * steps, seqTime,
                    workers > 1 ? fanCounts : null, workers > 1 ? seqCounts : null);
                load.Add($"{label} {LoadAverage()}");
            }
            finally
            {
                foreach (var p in processes)
                {
                    p.StandardInput.Close();
                    if (!p.WaitForExit(TimeSpan.FromSeconds(20))) p.Kill(entireProcessTree: true);
                    p.Dispose();
                }
                await client.GetRequiredService<AzureStorageTaskHub>().Service.DeleteAsync();
            }
        }

        var embeddedRate = fanOut / embeddedFan.TotalSeconds;
        var twoRate = metrics.First(m => m.Name == "fan-out activities/s (AzureStorage, 2 workers)").Value;
        var oneRate = metrics.First(m => m.Name == "fan-out activities/s (AzureStorage, 1 worker)").Value;
        return new BenchmarkReport(Name, metrics,
            new Dictionary<string, string>
            {
                ["fanout"] = fanOut.ToString(CultureInfo.InvariantCulture),
                ["instances"] = instances.ToString(CultureInfo.InvariantCulture),
                ["steps"] = steps.ToString(CultureInfo.InvariantCulture),
                ["worker-activities"] = workerActivities.ToString(CultureInfo.InvariantCulture),
                ["partitions"] = PartitionCount.ToString(CultureInfo.InvariantCulture),
                ["load average (1, 5, 15 min) after each"] = string.Join("; ", load),
            },
            Comparison: $"fan-out in the same run: embedded {embeddedRate:N0} activities/s, AzureStorage 1 worker {oneRate:N0}, " +
                $"2 workers {twoRate:N0} ({twoRate / oneRate:F2}x one worker); the two workers and Azurite share the machine's cores");
    }

    private static void AddFigures(List<BenchmarkMetric> metrics, string label, int fanOut, TimeSpan fanTime, int seqActivities, TimeSpan seqTime,
        Dictionary<string, int>? fanCounts, Dictionary<string, int>? seqCounts)
    {
        metrics.Add(new BenchmarkMetric($"fan-out wall time ({label})", fanTime.TotalSeconds, "s"));
        metrics.Add(new BenchmarkMetric($"fan-out activities/s ({label})", fanOut / fanTime.TotalSeconds, "activities/s",
            fanCounts is null ? null : "activities per worker: " + Format(fanCounts)));
        metrics.Add(new BenchmarkMetric($"sequences wall time ({label})", seqTime.TotalSeconds, "s"));
        metrics.Add(new BenchmarkMetric($"sequences activities/s ({label})", seqActivities / seqTime.TotalSeconds, "activities/s",
            seqCounts is null ? null : "activities per worker: " + Format(seqCounts)));
    }

    private static string Format(Dictionary<string, int> counts) =>
        string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"));

    private static async Task<(TimeSpan, Dictionary<string, int>)> RunFanOutAsync(DurableTaskClient client, int activities, CancellationToken cancellation)
    {
        var watch = Stopwatch.StartNew();
        var id = await client.ScheduleNewOrchestrationInstanceAsync("CountedFanOut", activities, cancellation);
        var result = await client.WaitForInstanceCompletionAsync(id, true, cancellation);
        watch.Stop();
        var counts = Completed(result);
        if (counts.Values.Sum() != activities) throw new InvalidOperationException($"fan-out returned {result.SerializedOutput}");
        return (watch.Elapsed, counts);
    }

    private static async Task<(TimeSpan, Dictionary<string, int>)> RunSequencesAsync(DurableTaskClient client, int instances, int steps,
        CancellationToken cancellation)
    {
        var watch = Stopwatch.StartNew();
        var ids = new List<string>(instances);
        for (var i = 0; i < instances; i++) ids.Add(await client.ScheduleNewOrchestrationInstanceAsync("CountedSequence", steps, cancellation));
        var totals = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            foreach (var (worker, count) in Completed(await client.WaitForInstanceCompletionAsync(id, true, cancellation)))
                totals[worker] = totals.GetValueOrDefault(worker) + count;
        }
        watch.Stop();
        if (totals.Values.Sum() != instances * steps) throw new InvalidOperationException($"sequences ran {totals.Values.Sum()} activities");
        return (watch.Elapsed, totals);
    }

    private static Dictionary<string, int> Completed(OrchestrationMetadata result) =>
        result.RuntimeStatus == OrchestrationRuntimeStatus.Completed
            ? result.ReadOutputAs<Dictionary<string, int>>()!
            : throw new InvalidOperationException($"{result.InstanceId} ended {result.RuntimeStatus}: {result.FailureDetails?.ErrorMessage}");

    /// <summary>Waits until the task hub's partition table shows <paramref name="workers"/> distinct owners.</summary>
    private static async Task WaitForOwnersAsync(string connectionString, string taskHub, int workers, CancellationToken cancellation)
    {
        var partitions = new TableClient(connectionString, taskHub + "Partitions");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            var owners = new HashSet<string>(StringComparer.Ordinal);
            try
            {
                await foreach (var row in partitions.QueryAsync<TableEntity>(cancellationToken: cancellation))
                {
                    if (row.GetString("CurrentOwner") is { Length: > 0 } owner) owners.Add(owner);
                }
            }
            catch (Azure.RequestFailedException ex) when (ex.Status == 404)
            {
            }
            if (owners.Count >= workers) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{workers} workers did not share the partitions within 90 s");
            await Task.Delay(100, cancellation);
        }
    }

    private static ServiceProvider Client(string connectionString, string taskHub)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<DataConverter>(DurableJson.Converter);
        services.AddDurableTaskClient(b => b.UseAzureStorage(o =>
        {
            o.ConnectionString = connectionString;
            o.TaskHubName = taskHub;
            o.PartitionCount = PartitionCount;
        }));
        return services.BuildServiceProvider();
    }

    private static Process StartWorker(string connectionString, string taskHub, string workerId, int maxActivities)
    {
        var dll = BuiltAssembly.PathOf("tests/Serverless.Durable.ScaleOutHost", "Serverless.Durable.ScaleOutHost");
        if (!File.Exists(dll)) throw new FileNotFoundException("The worker host is not built (it builds with this benchmark).", dll);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { dll, connectionString, taskHub, workerId, maxActivities.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(arg);
        return Process.Start(start)!;
    }

    private static async Task WaitForReadyAsync(Process worker, CancellationToken cancellation)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (await worker.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line == "ready") return;
        }
        throw new InvalidOperationException($"a worker exited before it was ready (exit code {worker.ExitCode})");
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    /// <summary>Azurite: the one named by SERVERLESS_EMULATOR_STORAGE, or a private one started by tools/emulators/start.sh.</summary>
    private sealed class Emulators : IAsyncDisposable
    {
        private EmulatorFixture? _fixture;

        public string Storage { get; private set; } = "";

        public async Task StartAsync()
        {
            var given = Environment.GetEnvironmentVariable(EmulatorFixture.StorageVariable);
            if (!string.IsNullOrWhiteSpace(given))
            {
                Storage = given;
                return;
            }
            _fixture = new EmulatorFixture();
            await _fixture.InitializeAsync();
            Storage = _fixture.StorageConnectionString;
        }

        public async ValueTask DisposeAsync()
        {
            if (_fixture is not null) await _fixture.DisposeAsync();
        }
    }
}
