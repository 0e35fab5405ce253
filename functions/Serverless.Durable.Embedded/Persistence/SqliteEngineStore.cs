using System.Text.Json;
using Microsoft.Data.Sqlite;
using Serverless.Durable.Embedded.History;

namespace Serverless.Durable.Embedded.Persistence;

/// <summary>
/// The engine's durable state in one SQLite database (WAL): instances, their event-sourced history,
/// inboxes (including durable timers), leased activity work items and large payloads. Every change an
/// episode makes is written in one transaction. Writes from this process go through one connection,
/// serialized by a lock, so they batch instead of contending; other processes are handled by SQLite's
/// own locking with a busy timeout.
/// </summary>
internal sealed partial class SqliteEngineStore : IDisposable
{
    private const int SchemaVersion = 1;

    private readonly string _connectionString;
    private readonly SqliteConnection _writer;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Dictionary<string, SqliteCommand> _writerCommands = new(StringComparer.Ordinal);
    private readonly SqliteConnection? _keepAlive;
    private readonly int _busyTimeoutMs;

    public SqliteEngineStore(EmbeddedEngineOptions options)
    {
        DatabaseDescription = options.InMemory ? "in-memory database" : $"'{options.DatabasePath}'";
        Payloads = new PayloadCodec(options.LargePayloadThresholdChars);
        _busyTimeoutMs = (int)options.BusyTimeout.TotalMilliseconds;

        if (options.InMemory)
        {
            _connectionString = new SqliteConnectionStringBuilder
            {
                DataSource = $"file:engine-{Guid.NewGuid():N}?mode=memory&cache=shared",
                Mode = SqliteOpenMode.Memory,
                Cache = SqliteCacheMode.Shared,
            }.ToString();
            // A shared in-memory database lives as long as one connection to it is open.
            _keepAlive = new SqliteConnection(_connectionString);
            _keepAlive.Open();
        }
        else
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(options.DatabasePath));
            if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
            _connectionString = new SqliteConnectionStringBuilder
            {
                DataSource = options.DatabasePath,
                Mode = SqliteOpenMode.ReadWriteCreate,
                Pooling = true,
                DefaultTimeout = Math.Max(1, (int)options.BusyTimeout.TotalSeconds),
            }.ToString();
        }

        try
        {
            _writer = OpenConnection();
            if (!options.InMemory)
            {
                Execute(_writer, "PRAGMA journal_mode=WAL;");
                Execute(_writer, options.SynchronousFull ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;");
            }
            CreateSchema();
        }
        catch (SqliteException ex)
        {
            throw Describe(ex, "open");
        }
    }

    public string DatabaseDescription { get; }

    public PayloadCodec Payloads { get; }

    public void Dispose()
    {
        foreach (var command in _writerCommands.Values) command.Dispose();
        _writer.Dispose();
        _keepAlive?.Dispose();
        _writeLock.Dispose();
    }

    /// <summary>Turns SQLite's errors into one clear line naming the database and the operation.</summary>
    public EngineStorageException Describe(SqliteException ex, string operation) => ex.SqliteErrorCode switch
    {
        5 or 6 => new EngineStorageException(
            $"The engine database {DatabaseDescription} is locked by another process ({operation}); try again, or stop the other process.", ex),
        11 or 26 => new EngineStorageException(
            $"The engine database {DatabaseDescription} is corrupt or not a SQLite database ({operation}): {ex.Message}", ex),
        _ => new EngineStorageException($"The engine database {DatabaseDescription} failed to {operation}: {ex.Message}", ex),
    };

    private SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, $"PRAGMA busy_timeout={_busyTimeoutMs};");
        return connection;
    }

    private void CreateSchema()
    {
        Execute(_writer, """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS instances (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                execution_id TEXT NOT NULL,
                status INTEGER NOT NULL,
                input TEXT,
                output TEXT,
                custom_status TEXT,
                failure TEXT,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                scheduled_start INTEGER,
                history_count INTEGER NOT NULL DEFAULT 0,
                parent_id TEXT,
                parent_name TEXT,
                parent_execution_id TEXT,
                parent_task_id INTEGER,
                lock_owner TEXT,
                lock_until INTEGER
            );
            CREATE INDEX IF NOT EXISTS ix_instances_created ON instances(created_at);
            CREATE INDEX IF NOT EXISTS ix_instances_status ON instances(status, created_at);
            CREATE TABLE IF NOT EXISTS history (
                instance_id TEXT NOT NULL,
                seq INTEGER NOT NULL,
                type INTEGER NOT NULL,
                timestamp INTEGER NOT NULL,
                data TEXT NOT NULL,
                PRIMARY KEY (instance_id, seq)
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS inbox (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                instance_id TEXT NOT NULL,
                kind INTEGER NOT NULL,
                visible_at INTEGER NOT NULL,
                data TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS ix_inbox_instance ON inbox(instance_id, id);
            CREATE INDEX IF NOT EXISTS ix_inbox_visible ON inbox(visible_at);
            CREATE TABLE IF NOT EXISTS activities (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                instance_id TEXT NOT NULL,
                execution_id TEXT NOT NULL,
                task_id INTEGER NOT NULL,
                name TEXT NOT NULL,
                input TEXT,
                lease_owner TEXT,
                lease_until INTEGER NOT NULL DEFAULT 0,
                attempts INTEGER NOT NULL DEFAULT 0
            );
            CREATE INDEX IF NOT EXISTS ix_activities_lease ON activities(lease_until, id);
            CREATE INDEX IF NOT EXISTS ix_activities_instance ON activities(instance_id);
            CREATE TABLE IF NOT EXISTS payloads (
                instance_id TEXT NOT NULL,
                id TEXT NOT NULL,
                data BLOB NOT NULL,
                PRIMARY KEY (instance_id, id)
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS ix_payloads_id ON payloads(id);
            """);

        using var command = _writer.CreateCommand();
        command.CommandText = "SELECT value FROM meta WHERE key = 'schema_version'";
        var stored = command.ExecuteScalar() as string;
        if (stored is null)
        {
            Execute(_writer, $"INSERT INTO meta(key, value) VALUES ('schema_version', '{SchemaVersion}')");
        }
        else if (stored != SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            throw new EngineStorageException(
                $"The engine database {DatabaseDescription} has schema version {stored}; this engine reads version {SchemaVersion}.");
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Runs <paramref name="work"/> in one write transaction on the shared writer connection.</summary>
    private async Task<T> WriteAsync<T>(string operation, Func<SqliteTransaction, T> work, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var transaction = _writer.BeginTransaction(deferred: false);
            var result = work(transaction);
            transaction.Commit();
            return result;
        }
        catch (SqliteException ex)
        {
            throw Describe(ex, operation);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>A prepared command on the writer connection, reused across calls (statement preparation is the costly part).</summary>
    private SqliteCommand WriterCommand(string sql, SqliteTransaction transaction, params string[] parameterNames)
    {
        if (!_writerCommands.TryGetValue(sql, out var command))
        {
            command = _writer.CreateCommand();
            command.CommandText = sql;
            foreach (var name in parameterNames) command.Parameters.Add(new SqliteParameter(name, null));
            _writerCommands[sql] = command;
        }
        command.Transaction = transaction;
        return command;
    }

    private T Read<T>(string operation, Func<SqliteConnection, T> work)
    {
        try
        {
            using var connection = OpenConnection();
            return work(connection);
        }
        catch (SqliteException ex)
        {
            throw Describe(ex, operation);
        }
    }

    // ---- Serialization helpers ----

    internal static string SerializeEvent(DurableEvent e) => JsonSerializer.Serialize(e, DurableEventJsonContext.Default.DurableEvent);

    internal static DurableEvent DeserializeEvent(string json) =>
        JsonSerializer.Deserialize(json, DurableEventJsonContext.Default.DurableEvent)
        ?? throw new EngineStorageException("A stored event is empty.");

    private static string? SerializeFailure(StoredFailure? failure) =>
        failure is null ? null : JsonSerializer.Serialize(failure, DurableEventJsonContext.Default.StoredFailure);

    private static StoredFailure? DeserializeFailure(string? json) =>
        json is null ? null : JsonSerializer.Deserialize(json, DurableEventJsonContext.Default.StoredFailure);

    private static long Ticks(DateTime time) => time.ToUniversalTime().Ticks;

    private static DateTime FromTicks(long ticks) => new(ticks, DateTimeKind.Utc);

    private static object DbValue(object? value) => value ?? DBNull.Value;
}
