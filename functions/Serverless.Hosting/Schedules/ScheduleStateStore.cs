using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Serverless.Hosting.Schedules;

/// <summary>
/// What the hosts sharing a database remember about each schedule: since when it has been active (no
/// catch-up for due times before a schedule first ran anywhere) and the latest due time already dealt with
/// (started, taken by another host, or skipped because a run was still going).
/// </summary>
public interface IScheduleStateStore
{
    /// <summary>The schedule's state, recording <paramref name="nowUtc"/> as its start when it is new.</summary>
    Task<ScheduleState> GetOrCreateAsync(string schedule, DateTime nowUtc, CancellationToken cancellationToken = default);

    /// <summary>Records <paramref name="dueUtc"/> as dealt with, unless a later due time already is.</summary>
    Task MarkHandledAsync(string schedule, DateTime dueUtc, CancellationToken cancellationToken = default);
}

public sealed record ScheduleState(DateTime SinceUtc, DateTime? LastHandledDueUtc);

/// <summary>The schedule state in a SQLite file beside the engine database, shared by every host on it.</summary>
public sealed class SqliteScheduleStateStore : IScheduleStateStore
{
    private readonly string _connectionString;
    private readonly Lazy<Task> _created;

    public SqliteScheduleStateStore(string databasePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        DatabasePath = Path.GetFullPath(databasePath);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString();
        _created = new Lazy<Task>(CreateAsync);
    }

    public string DatabasePath { get; }

    /// <summary>The state file for an engine database: <c>engine.db</c> -> <c>engine.schedules.db</c> in the same folder.</summary>
    public static string PathBeside(string engineDatabasePath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(engineDatabasePath))!,
            Path.GetFileNameWithoutExtension(engineDatabasePath) + ".schedules.db");

    public async Task<ScheduleState> GetOrCreateAsync(string schedule, DateTime nowUtc, CancellationToken cancellationToken = default)
    {
        await _created.Value.ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var insert = connection.CreateCommand())
        {
            insert.CommandText = "INSERT OR IGNORE INTO schedule_state (name, since_utc, last_due_utc) VALUES ($name, $since, NULL)";
            insert.Parameters.AddWithValue("$name", schedule);
            insert.Parameters.AddWithValue("$since", Format(nowUtc));
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await using var select = connection.CreateCommand();
        select.CommandText = "SELECT since_utc, last_due_utc FROM schedule_state WHERE name = $name";
        select.Parameters.AddWithValue("$name", schedule);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"{DatabasePath}: the state of schedule '{schedule}' was not recorded.");
        }
        return new ScheduleState(Parse(reader.GetString(0)), reader.IsDBNull(1) ? null : Parse(reader.GetString(1)));
    }

    public async Task MarkHandledAsync(string schedule, DateTime dueUtc, CancellationToken cancellationToken = default)
    {
        await _created.Value.ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var update = connection.CreateCommand();
        // ISO 8601 UTC text with a fixed format compares in time order.
        update.CommandText = "UPDATE schedule_state SET last_due_utc = $due WHERE name = $name AND (last_due_utc IS NULL OR last_due_utc < $due)";
        update.Parameters.AddWithValue("$name", schedule);
        update.Parameters.AddWithValue("$due", Format(dueUtc));
        await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task CreateAsync()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        await using var connection = await OpenAsync(CancellationToken.None).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS schedule_state (
                name TEXT NOT NULL PRIMARY KEY,
                since_utc TEXT NOT NULL,
                last_due_utc TEXT NULL);
            """;
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    private static string Format(DateTime utc) =>
        DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static DateTime Parse(string text) =>
        DateTime.ParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
}

/// <summary>The schedule state of a host whose engine keeps nothing on disk.</summary>
public sealed class InMemoryScheduleStateStore : IScheduleStateStore
{
    private readonly ConcurrentDictionary<string, ScheduleState> _states = new(StringComparer.Ordinal);

    public Task<ScheduleState> GetOrCreateAsync(string schedule, DateTime nowUtc, CancellationToken cancellationToken = default) =>
        Task.FromResult(_states.GetOrAdd(schedule, _ => new ScheduleState(nowUtc, null)));

    public Task MarkHandledAsync(string schedule, DateTime dueUtc, CancellationToken cancellationToken = default)
    {
        _states.AddOrUpdate(schedule, _ => new ScheduleState(dueUtc, dueUtc),
            (_, s) => s.LastHandledDueUtc is { } last && last >= dueUtc ? s : s with { LastHandledDueUtc = dueUtc });
        return Task.CompletedTask;
    }
}
