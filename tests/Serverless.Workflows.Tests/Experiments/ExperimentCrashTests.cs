using System.Diagnostics;
using System.Globalization;
using System.Text;
using Serverless.Experiments.Aggregation;
using Serverless.Workflows.Experiments;
using Xunit.Abstractions;
using Serverless.Testing;

namespace Serverless.Workflows.Tests.Experiments;

/// <summary>
/// A separate process submits batches and runs the shards' ExperimentAggregation aggregators on the embedded engine over a
/// file blob store and SQLite documents; it is killed with SIGKILL, either right after a shard state write is durable and
/// before its round deleted its parts or was acknowledged, or at an arbitrary moment while batches are being submitted and
/// applied; then it is started again on the same folders and submits every batch again. Every event is applied and the
/// figures equal those of an uncrashed run: no event lost, none counted twice.
/// </summary>
public sealed class ExperimentCrashTests : IDisposable
{
    private const int UsersPerExperiment = 1200;
    private const int BatchSize = 150;
    // State writes the first process makes freely; the next one is made durable and never acknowledged.
    private const int PauseAfterStateWrites = 6;

    // In the other case the process is killed once this many batches were acknowledged, whatever it is doing.
    private const int KillAfterSubmitted = 8;

    // Batches arrive over time, as from clients: the kill falls while some are still to come.
    private const int SubmitIntervalMs = 100;

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "experiments-crash-tests", Guid.NewGuid().ToString("N"));
    private readonly ITestOutputHelper _output;

    public ExperimentCrashTests(ITestOutputHelper output)
    {
        _output = output;
        Directory.CreateDirectory(Path.Combine(_folder, "batches"));
    }

    [Theory]
    [InlineData("same-worker", true)]   // the restarted engine releases its predecessor's leases at startup
    [InlineData("new-worker", true)]    // another worker id: the dead one's leases and locks must expire first
    [InlineData("new-worker", false)]   // killed at an arbitrary point of the load
    public async Task Killed_during_the_load_the_restarted_host_loses_and_doubles_nothing(string restart, bool afterStateWrite)
    {
        var (batches, expected) = await ReferenceRunAsync();
        Assert.True(batches.Count > KillAfterSubmitted + 4, "too few batches to be killed mid-stream");
        await File.WriteAllTextAsync(Path.Combine(_folder, "experiments.json"), ExperimentTestEnvironment.DefinitionsJson);
        for (var i = 0; i < batches.Count; i++) await File.WriteAllBytesAsync(Path.Combine(_folder, "batches", $"{i:D4}.jsonl"), batches[i]);

        var clock = Stopwatch.StartNew();
        using (var host = StartHost("crash-host-1", SubmitIntervalMs, afterStateWrite ? PauseAfterStateWrites : null))
        {
            var killPoint = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            var submitted = 0;
            host.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                if (afterStateWrite && e.Data.StartsWith("written-unacknowledged ", StringComparison.Ordinal)) killPoint.TrySetResult(e.Data);
                if (!afterStateWrite && e.Data.StartsWith("submitted ", StringComparison.Ordinal) && Interlocked.Increment(ref submitted) == KillAfterSubmitted) killPoint.TrySetResult(e.Data);
            };
            host.BeginOutputReadLine();
            var exited = host.WaitForExitAsync();
            var first = await Task.WhenAny(killPoint.Task, exited).WaitAsync(TimeSpan.FromSeconds(60));
            if (first != killPoint.Task) Assert.Fail($"the host exited ({host.ExitCode}) before the kill point: {await host.StandardError.ReadToEndAsync()}");
            _output.WriteLine($"{await killPoint.Task} after {clock.Elapsed.TotalSeconds:0.0} s; killing");
            host.Kill(); // SIGKILL on Unix: no chance to acknowledge, delete, flush or clean up.
            await exited;
        }

        string[] lines;
        using (var host = StartHost(restart == "same-worker" ? "crash-host-1" : "crash-host-2", submitIntervalMs: 0, pauseAfter: null))
        {
            var stdout = host.StandardOutput.ReadToEndAsync();
            var stderr = host.StandardError.ReadToEndAsync();
            await host.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
            var text = await stdout;
            Assert.True(host.ExitCode == 0, $"restarted host exited with {host.ExitCode}: {text} {await stderr}");
            lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
        _output.WriteLine($"both runs: {clock.Elapsed.TotalSeconds:0.0} s");
        foreach (var line in lines.Where(l => !l.StartsWith("submitted ", StringComparison.Ordinal))) _output.WriteLine(line);

        Assert.Equal("done", lines[^1]);
        Assert.Equal(batches.Count, lines.Count(l => l.StartsWith("submitted ", StringComparison.Ordinal)));
        var applied = lines.Single(l => l.StartsWith("applied ", StringComparison.Ordinal)).Split(' ');
        var (eventsApplied, eventsSkipped) = (long.Parse(applied[1], CultureInfo.InvariantCulture), long.Parse(applied[3], CultureInfo.InvariantCulture));
        // The kill came mid-stream: the second run applied events the first had not.
        Assert.True(eventsApplied > 0);
        // Everything the first run committed was found counted when submitted again (by batch identity): none counted twice.
        Assert.True(eventsSkipped > 0);

        foreach (var (experiment, figures) in expected)
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(_folder, "blobs", ExperimentKeys.ShardStatePath(experiment, 0)));
            var aggregate = ExperimentAggregate.FromBinary(bytes, experiment);
            Assert.Equal(figures, ExperimentTestEnvironment.FiguresOf([aggregate]));
            Assert.Equal(UsersPerExperiment, aggregate.Summarize().Variants.Sum(v => v.ExposedUsers));
        }
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_folder, "blobs", "experiments"), "*.part", SearchOption.AllDirectories));
    }

    /// <summary>The batches (both experiments interleaved) and the figures an uncrashed run gives them.</summary>
    private static async Task<(List<byte[]> Batches, Dictionary<string, string> Figures)> ReferenceRunAsync()
    {
        await using var reference = new ExperimentTestEnvironment();
        var records = EventFactory.Simulate(await reference.DefinitionAsync("ranker"), UsersPerExperiment, [0.10, 0.20], seed: 21)
            .Concat(EventFactory.Simulate(await reference.DefinitionAsync("banner"), UsersPerExperiment, [0.3, 0.4], seed: 22))
            .ToList();
        var random = new Random(23);
        var batches = EventFactory.Batches(records.OrderBy(_ => random.Next()).ToList(), BatchSize);
        await reference.ApplyAllAsync(batches);
        var figures = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var experiment in new[] { "ranker", "banner" }) figures[experiment] = (await reference.FiguresAsync(experiment))!;
        return (batches, figures);
    }

    private Process StartHost(string workerId, int submitIntervalMs, int? pauseAfter)
    {
        var hostDll = BuiltAssembly.PathOf("tests/Serverless.Workflows.CrashHost", "Serverless.Workflows.CrashHost");
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
        start.ArgumentList.Add(submitIntervalMs.ToString(CultureInfo.InvariantCulture));
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
