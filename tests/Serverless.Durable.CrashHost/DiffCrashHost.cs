using System.Globalization;
using System.Text.Json;
using Microsoft.DurableTask;
using Serverless.Durable.Embedded;

namespace Serverless.Durable.Differential;

/// <summary>
/// Runs (or resumes, after a kill) a list of generated programs on the embedded engine and prints one JSON line per
/// program: its <see cref="DiffResult"/>. Activity attempt counts live in ATTEMPTS_FILE so they survive the kill.
/// </summary>
internal static class DiffCrashHost
{
    public static async Task<int> RunAsync(string database, string attemptsFile, string programsFile)
    {
        var programs = JsonSerializer.Deserialize<List<DiffProgram>>(await File.ReadAllTextAsync(programsFile), DiffJson.Options)!;
        var attempts = new FileAttempts(attemptsFile);
        DiffInterpreter.NextAttempt = attempts.Next;

        var registry = new DurableTaskRegistry();
        DiffInterpreter.Register(registry);
        await using var engine = new EmbeddedEngine(registry, new EmbeddedEngineOptions
        {
            DatabasePath = database,
            WorkerId = "diff-crash-host",
            PollInterval = TimeSpan.FromMilliseconds(20),
            // A short lease so work leased by the killed process is delivered again quickly after the restart.
            ActivityLeaseDuration = TimeSpan.FromSeconds(2),
            InstanceLockDuration = TimeSpan.FromSeconds(2),
        });
        await engine.StartAsync();
        var results = await Task.WhenAll(programs.Select(p =>
            DiffDriver.RunAsync(engine.Client, p, InstanceId(p.Seed), "crash", TimeSpan.FromSeconds(120), resume: true)));
        foreach (var result in results.OrderBy(r => r.InstanceId, StringComparer.Ordinal))
        {
            Console.WriteLine(JsonSerializer.Serialize(result));
        }
        return 0;
    }

    public static string InstanceId(int seed) => "crash-" + seed.ToString(CultureInfo.InvariantCulture);

    private sealed class FileAttempts
    {
        private readonly Lock _lock = new();
        private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
        private readonly StreamWriter _writer;

        public FileAttempts(string path)
        {
            if (File.Exists(path))
            {
                foreach (var line in File.ReadAllLines(path).Where(l => l.Length > 0)) _counts[line] = _counts.GetValueOrDefault(line) + 1;
            }
            _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        }

        public int Next(string key)
        {
            lock (_lock)
            {
                _writer.WriteLine(key);
                return _counts[key] = _counts.GetValueOrDefault(key) + 1;
            }
        }
    }
}
