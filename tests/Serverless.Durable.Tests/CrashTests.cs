using System.Diagnostics;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;
using Serverless.Testing;

namespace Serverless.Durable.Tests;

/// <summary>
/// A separate process runs the engine; it is killed with SIGKILL in the middle of a fan-out, started
/// again, and must finish with the same output as an uncrashed run, re-running only activities whose
/// results had not been committed.
/// </summary>
public sealed class CrashTests : IDisposable
{
    private const int ActivityCount = 1500;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "serverless-crash-tests", Guid.NewGuid().ToString("N"));
    private readonly ITestOutputHelper _output;

    public CrashTests(ITestOutputHelper output)
    {
        _output = output;
        Directory.CreateDirectory(_folder);
    }

    [Fact]
    public async Task Killed_mid_fan_out_the_engine_resumes_without_rerunning_committed_activities()
    {
        var expected = await RunUncrashedAsync();

        var database = Path.Combine(_folder, "crashed.db");
        var log = Path.Combine(_folder, "crashed.log");
        using (var host = StartHost(database, log))
        {
            // Wait for the real signal: a third of the activities have started.
            await WaitUntilAsync(() => CountLines(log) >= ActivityCount / 3, TimeSpan.FromSeconds(60), host);
            host.Kill(); // SIGKILL on Unix: no chance to flush or clean up.
            await host.WaitForExitAsync();
        }

        var committedBeforeKill = ReadCommittedTaskIds(database);
        Assert.NotEmpty(committedBeforeKill);
        Assert.True(committedBeforeKill.Count < ActivityCount, "the kill came after the fan-out had finished");

        using (var host = StartHost(database, log))
        {
            var output = await host.StandardOutput.ReadToEndAsync();
            await host.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
            Assert.True(host.ExitCode == 0, $"restarted host exited with {host.ExitCode}: {output} {await host.StandardError.ReadToEndAsync()}");
            Assert.Equal(expected, output.Trim());
        }

        var executions = File.ReadAllLines(log).Where(l => l.Length > 0).Select(int.Parse).GroupBy(i => i)
            .ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(ActivityCount, executions.Count);
        foreach (var id in committedBeforeKill)
        {
            // The task id is the activity's input: activity i was scheduled as step i.
            Assert.True(executions[id] == 1, $"activity {id} had a committed result but ran {executions[id]} times");
        }
        var repeated = executions.Count(e => e.Value > 1);
        _output.WriteLine($"committed before the kill: {committedBeforeKill.Count}; ran twice: {repeated}");
        // Only work in flight (running or leased ahead) when the process died may run twice.
        Assert.True(repeated <= 8 + 16 + 64, $"{repeated} activities ran more than once");
    }

    private async Task<string> RunUncrashedAsync()
    {
        using var host = StartHost(Path.Combine(_folder, "clean.db"), Path.Combine(_folder, "clean.log"));
        var output = await host.StandardOutput.ReadToEndAsync();
        await host.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        Assert.Equal(0, host.ExitCode);
        Assert.StartsWith("Completed", output);
        return output.Trim();
    }

    private static Process StartHost(string database, string log)
    {
        var hostDll = BuiltAssembly.PathOf("tests/Serverless.Durable.CrashHost", "Serverless.Durable.CrashHost");
        Assert.True(File.Exists(hostDll), $"crash host not built at {hostDll}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { hostDll, database, log, ActivityCount.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }
        return Process.Start(start)!;
    }

    /// <summary>Task ids whose completion was committed: in history, or waiting in the inbox.</summary>
    private static HashSet<int> ReadCommittedTaskIds(string database)
    {
        var ids = new HashSet<int>();
        using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT data FROM history WHERE instance_id = 'crash-fan-out' UNION ALL SELECT data FROM inbox WHERE instance_id = 'crash-fan-out'";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            using var json = JsonDocument.Parse(reader.GetString(0));
            // Event type 4 is TaskCompleted in the stored format.
            if (json.RootElement.GetProperty("type").GetInt32() == 4) ids.Add(json.RootElement.GetProperty("taskId").GetInt32());
        }
        return ids;
    }

    private static int CountLines(string path)
    {
        if (!File.Exists(path)) return 0;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = 0;
        while (reader.ReadLine() is not null) lines++;
        return lines;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, Process host)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.False(host.HasExited, "the host exited before the kill");
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the fan-out did not start in time");
            await Task.Delay(10);
        }
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
