using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Serverless.Durable.Embedded;

namespace Serverless.Durable.Differential;

/// <summary>
/// One crash case: generated programs run in the crash host (a child process), which is killed with SIGKILL once a
/// seed-chosen number of history events has been committed, then started again; every program must end as in an
/// uninterrupted run of the same programs.
/// </summary>
public static partial class DiffCrashRun
{
    public sealed record CaseOutcome(bool Killed, string Summary, IReadOnlyList<string> Problems);

    /// <summary>One case: programs seeded from <paramref name="caseSeed"/>, one kill at a seed-chosen history count.</summary>
    public static async Task<CaseOutcome> RunCaseAsync(string root, string hostDll, int caseSeed, int count, GeneratorOptions options)
    {
        var folder = Path.Combine(root, caseSeed.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(folder);
        var random = new Random(caseSeed);
        var programs = Enumerable.Range(0, count).Select(_ => DiffGenerator.Generate(random.Next(), options)).ToList();

        // The uninterrupted run, in this process, and how many history events it commits.
        var cleanDb = Path.Combine(folder, "clean.db");
        var expected = new Dictionary<string, DiffResult>(StringComparer.Ordinal);
        await using (var engine = new EmbeddedEngine(DiffComparison.Registry(), new EmbeddedEngineOptions
        {
            DatabasePath = cleanDb,
            PollInterval = TimeSpan.FromMilliseconds(20),
        }))
        {
            await engine.StartAsync();
            var tag = "clean-" + Guid.NewGuid().ToString("N")[..8];
            var results = await Task.WhenAll(programs.Select(p =>
                DiffDriver.RunAsync(engine.Client, p, "crash-" + p.Seed.ToString(CultureInfo.InvariantCulture), tag, TimeSpan.FromSeconds(120))));
            foreach (var r in results) expected[r.InstanceId] = r;
        }
        var total = (int)CountHistory(cleanDb);
        var killAt = 1 + random.Next(Math.Max(1, total * 4 / 5));

        var programsFile = Path.Combine(folder, "programs.json");
        await File.WriteAllTextAsync(programsFile, JsonSerializer.Serialize(programs, DiffJson.Options));
        var database = Path.Combine(folder, "crashed.db");
        var attempts = Path.Combine(folder, "attempts.log");
        var killed = false;
        using (var host = StartHost(hostDll, database, attempts, programsFile))
        {
            var drainOut = host.StandardOutput.ReadToEndAsync();
            var drainErr = host.StandardError.ReadToEndAsync();
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (!host.HasExited && CountHistory(database) < killAt)
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"case seed {caseSeed}: {killAt} history events never committed");
                await Task.Delay(5);
            }
            if (!host.HasExited)
            {
                host.Kill(); // SIGKILL on Unix
                killed = true;
            }
            await host.WaitForExitAsync();
            await Task.WhenAll(drainOut, drainErr);
        }
        var atKill = CountHistory(database);

        var problems = new List<string>();
        using (var host = StartHost(hostDll, database, attempts, programsFile))
        {
            var stdout = host.StandardOutput.ReadToEndAsync();
            var stderr = host.StandardError.ReadToEndAsync();
            await host.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(180));
            if (host.ExitCode != 0) problems.Add($"restarted host exited with {host.ExitCode}: {await stderr}");
            var actual = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => JsonSerializer.Deserialize<DiffResult>(l)!)
                .ToDictionary(r => r.InstanceId, StringComparer.Ordinal);
            foreach (var program in programs)
            {
                var id = "crash-" + program.Seed.ToString(CultureInfo.InvariantCulture);
                if (!actual.TryGetValue(id, out var got)) problems.Add($"program seed {program.Seed}: no result after the restart");
                else if (!Masked(expected[id]).SameAs(Masked(got)))
                {
                    problems.Add($"program seed {program.Seed}: uninterrupted {expected[id].Describe()}\n  after kill {got.Describe()}\n  program {program.Describe()}");
                }
            }
        }
        var summary = $"case seed {caseSeed}: {count} programs, {total} history events uninterrupted, " +
            (killed ? $"killed at >= {killAt} (history {atKill})" : $"host finished before {killAt} events");
        return new CaseOutcome(killed, summary, problems);
    }

    /// <summary>
    /// Task ids in failure messages ("Task 'X' (#7) failed") are masked: an activity execution lost in the kill runs
    /// again and counts as one more attempt in the program's attempt file, so a retried activity can succeed one
    /// orchestrator-visible attempt sooner and the ids after it shift. Everything else must match exactly.
    /// </summary>
    private static DiffResult Masked(DiffResult r) => r with
    {
        Output = r.Output is null ? null : TaskIds().Replace(r.Output, "(#n)"),
        ErrorMessage = r.ErrorMessage is null ? null : TaskIds().Replace(r.ErrorMessage, "(#n)"),
    };

    [System.Text.RegularExpressions.GeneratedRegex(@"\(#\d+\)")]
    private static partial System.Text.RegularExpressions.Regex TaskIds();

    private static long CountHistory(string database)
    {
        if (!File.Exists(database)) return 0;
        try
        {
            using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM history";
            return (long)command.ExecuteScalar()!;
        }
        catch (SqliteException)
        {
            return 0; // not created yet, or busy
        }
    }

    private static Process StartHost(string hostDll, string database, string attempts, string programs)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { hostDll, "differential", database, attempts, programs }) start.ArgumentList.Add(arg);
        return Process.Start(start)!;
    }

}
