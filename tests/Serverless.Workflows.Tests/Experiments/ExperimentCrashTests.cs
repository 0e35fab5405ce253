using System.Diagnostics;
using System.Text;
using Serverless.Experiments.Aggregation;
using Serverless.Workflows.Experiments;
using Xunit.Abstractions;

namespace Serverless.Workflows.Tests.Experiments;

/// <summary>
/// A separate process runs ExperimentAggregation on the embedded engine over a file blob store and SQLite documents; it
/// is killed with SIGKILL right after an aggregate write is durable and before the activity that wrote it is
/// acknowledged, while other batches are in flight, then started again on the same folders. Every batch completes and
/// the aggregates equal those of an uncrashed run: no event lost, none counted twice.
/// </summary>
public sealed class ExperimentCrashTests : IDisposable
{
    private const int UsersPerExperiment = 1200;
    private const int BatchSize = 150;
    // Aggregate writes the first process makes freely; the next one is made durable and never acknowledged.
    private const int PauseAfterAggregateWrites = 16;

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "experiments-crash-tests", Guid.NewGuid().ToString("N"));
    private readonly ITestOutputHelper _output;

    public ExperimentCrashTests(ITestOutputHelper output)
    {
        _output = output;
        Directory.CreateDirectory(Path.Combine(_folder, "batches"));
    }

    [Theory]
    [InlineData("same-worker")] // the restarted engine releases its predecessor's leases at startup
    [InlineData("new-worker")]  // another worker id: the dead one's leases and locks must expire first
    public async Task Killed_between_an_aggregate_write_and_its_acknowledgement_the_restarted_host_loses_and_doubles_nothing(string restart)
    {
        var (batches, expected) = await ReferenceRunAsync();
        Assert.True(batches.Count * 2 > PauseAfterAggregateWrites + 8, "too few batches to be killed mid-stream");
        await File.WriteAllTextAsync(Path.Combine(_folder, "experiments.json"), ExperimentTestEnvironment.DefinitionsJson);
        for (var i = 0; i < batches.Count; i++) await File.WriteAllBytesAsync(Path.Combine(_folder, "batches", $"{i:D4}.jsonl"), batches[i]);

        var clock = Stopwatch.StartNew();
        using (var host = StartHost("crash-host-1", PauseAfterAggregateWrites))
        {
            var paused = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            host.OutputDataReceived += (_, e) =>
            {
                if (e.Data?.StartsWith("written-unacknowledged ", StringComparison.Ordinal) == true) paused.TrySetResult(e.Data);
            };
            host.BeginOutputReadLine();
            var exited = host.WaitForExitAsync();
            var first = await Task.WhenAny(paused.Task, exited).WaitAsync(TimeSpan.FromSeconds(60));
            if (first != paused.Task) Assert.Fail($"the host exited ({host.ExitCode}) before pausing after a write: {await host.StandardError.ReadToEndAsync()}");
            _output.WriteLine($"{await paused.Task} after {clock.Elapsed.TotalSeconds:0.0} s; killing");
            host.Kill(); // SIGKILL on Unix: no chance to acknowledge, flush or clean up.
            await exited;
        }

        string[] lines;
        using (var host = StartHost(restart == "same-worker" ? "crash-host-1" : "crash-host-2", pauseAfter: null))
        {
            var stdout = host.StandardOutput.ReadToEndAsync();
            var stderr = host.StandardError.ReadToEndAsync();
            await host.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
            var text = await stdout;
            Assert.True(host.ExitCode == 0, $"restarted host exited with {host.ExitCode}: {text} {await stderr}");
            lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
        _output.WriteLine($"both runs: {clock.Elapsed.TotalSeconds:0.0} s");
        foreach (var line in lines) _output.WriteLine(line);

        Assert.Equal("done", lines[^1]);
        var batchLines = lines.Where(l => l.StartsWith("batch ", StringComparison.Ordinal)).ToList();
        Assert.Equal(batches.Count, batchLines.Count);
        // The kill came mid-stream: some batches were left in flight or not yet submitted.
        Assert.Contains(batchLines, l => !l.Contains(" finished-before ", StringComparison.Ordinal));
        // The write made before the kill was durable and unacknowledged: its apply ran again and found the batch in the ledger.
        Assert.Contains(batchLines, l => l.Contains($"={ApplyOutcome.AlreadyApplied}/0", StringComparison.Ordinal));

        foreach (var (experiment, json) in expected)
        {
            var stored = await File.ReadAllTextAsync(Path.Combine(_folder, "blobs", ExperimentKeys.AggregatePath(experiment)));
            var aggregate = ExperimentAggregate.FromJson(stored);
            Assert.Equal(json, aggregate.ToJson());
            Assert.Equal(UsersPerExperiment, aggregate.Summarize().Variants.Sum(v => v.ExposedUsers));
        }
    }

    /// <summary>The batches (both experiments interleaved) and the aggregates an uncrashed run gives them.</summary>
    private static async Task<(List<byte[]> Batches, Dictionary<string, string> Aggregates)> ReferenceRunAsync()
    {
        await using var reference = new ExperimentTestEnvironment();
        var records = EventFactory.Simulate(await reference.DefinitionAsync("ranker"), UsersPerExperiment, [0.10, 0.20], seed: 21)
            .Concat(EventFactory.Simulate(await reference.DefinitionAsync("banner"), UsersPerExperiment, [0.3, 0.4], seed: 22))
            .ToList();
        var random = new Random(23);
        var batches = EventFactory.Batches(records.OrderBy(_ => random.Next()).ToList(), BatchSize);
        foreach (var body in batches) await reference.ApplyAsync(await reference.StoreBatchAsync(body));
        var aggregates = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var experiment in new[] { "ranker", "banner" }) aggregates[experiment] = (await reference.AggregateJsonAsync(experiment))!;
        return (batches, aggregates);
    }

    private Process StartHost(string workerId, int? pauseAfter)
    {
        var hostDll = Path.Combine(AppContext.BaseDirectory.Replace("Serverless.Workflows.Tests", "Serverless.Workflows.CrashHost", StringComparison.Ordinal),
            "Serverless.Workflows.CrashHost.dll");
        Assert.True(File.Exists(hostDll), $"crash host not built at {hostDll}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(hostDll);
        start.ArgumentList.Add(_folder);
        start.ArgumentList.Add(workerId);
        if (pauseAfter is { } n) start.ArgumentList.Add(n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return Process.Start(start)!;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
