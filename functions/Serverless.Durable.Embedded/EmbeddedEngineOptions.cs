using System.Security.Cryptography;
using System.Text;

namespace Serverless.Durable.Embedded;

/// <summary>Settings of the embedded engine. The defaults suit one host on one machine.</summary>
public sealed class EmbeddedEngineOptions
{
    /// <summary>The SQLite database file; created with its folder when missing.</summary>
    public string DatabasePath { get; set; } = Path.Combine(".data", "engine.db");

    /// <summary>A private in-memory database, for fast tests of orchestration logic. Nothing survives the process.</summary>
    public bool InMemory { get; set; }

    /// <summary>
    /// SQLite's synchronous=FULL instead of NORMAL. NORMAL with WAL loses nothing when the process
    /// crashes; FULL also survives a power cut, at a cost per commit.
    /// </summary>
    public bool SynchronousFull { get; set; }

    /// <summary>
    /// Who holds leases and locks. Stable per machine and database by default, so a restarted engine
    /// reclaims its predecessor's work at once; give each engine its own id when several share a database.
    /// </summary>
    public string? WorkerId { get; set; }

    /// <summary>How many activities run at once in this process.</summary>
    public int MaxConcurrentActivities { get; set; } = Environment.ProcessorCount * 8;

    /// <summary>
    /// How many activity work items this process may lease beyond those running, so short activities are
    /// fetched in batches. Lower it when several hosts share a database and activities are long.
    /// </summary>
    public int ActivityPrefetch { get; set; } = 256;

    /// <summary>How many instances one dispatch round claims and commits together.</summary>
    public int MaxInstancesPerBatch { get; set; } = 256;

    /// <summary>How many inbox messages one episode applies at most (a fan-in applies them in batches).</summary>
    public int MaxMessagesPerEpisode { get; set; } = 10_000;

    /// <summary>How many running orchestrations stay in memory between episodes (no replay needed for them).</summary>
    public int ExecutorCacheSize { get; set; } = 10_000;

    /// <summary>How long an activity is leased; leases of running activities are renewed, expired ones are re-delivered.</summary>
    public TimeSpan ActivityLeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an instance stays locked by an episode that does not finish (a crashed worker).</summary>
    public TimeSpan InstanceLockDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often to look for work written by other processes (CLI commands, other hosts).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long to wait for SQLite locks held by other processes before reporting the database as locked.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Payloads longer than this (characters) are stored once, compressed, and travel as references.</summary>
    public int LargePayloadThresholdChars { get; set; } = 64 * 1024;

    /// <summary>
    /// The version new instances start with when the caller names none (Durable Functions' <c>defaultVersion</c>);
    /// orchestrators read it as <c>TaskOrchestrationContext.Version</c> and branch on it across deploys.
    /// </summary>
    public string? DefaultVersion { get; set; }

    public Microsoft.DurableTask.DataConverter DataConverter { get; set; } = DurableJson.Converter;

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal string ResolveWorkerId()
    {
        if (!string.IsNullOrWhiteSpace(WorkerId)) return WorkerId;
        var path = InMemory ? "memory" : Path.GetFullPath(DatabasePath);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(path)))[..8];
        return $"{Environment.MachineName}-{hash}";
    }
}
