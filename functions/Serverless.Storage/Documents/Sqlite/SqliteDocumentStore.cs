using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Serverless.Storage.Documents.Sqlite;

/// <summary>
/// <see cref="IDocumentStore"/> in one SQLite file: one table keyed by (partition_key, id) with an
/// etag column, in WAL mode so readers never wait for the writer. Every conditional write is one
/// statement whose WHERE clause carries the condition, so it is atomic between processes too.
/// Writers in one process take turns (one gate per file), so a fan-out of publishing activities
/// queues in memory instead of spinning on SQLite's busy lock; <c>synchronous=NORMAL</c> keeps every
/// committed write across a process crash (WAL) without an fsync per statement.
/// </summary>
public sealed class SqliteDocumentStore : IDocumentStore, IDisposable
{
    private const string Schema = """
        PRAGMA journal_mode = WAL;
        CREATE TABLE IF NOT EXISTS documents (
            partition_key TEXT NOT NULL,
            id            TEXT NOT NULL,
            etag          TEXT NOT NULL,
            body          TEXT NOT NULL,
            PRIMARY KEY (partition_key, id)
        ) WITHOUT ROWID;
        """;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> WriteGates = new(StringComparer.Ordinal);

    private readonly string _connectionString;
    private readonly AsyncOnce _schema;
    private readonly SemaphoreSlim _writeGate;

    public SqliteDocumentStore(string databasePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        DatabasePath = Path.GetFullPath(databasePath);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
        }.ToString();
        _schema = new AsyncOnce(CreateSchemaAsync);
        _writeGate = WriteGates.GetOrAdd(DatabasePath, _ => new SemaphoreSlim(1, 1));
    }

    /// <summary>The SQLite file the documents live in.</summary>
    public string DatabasePath { get; }

    public async Task<StoredDocument?> ReadAsync(string partitionKey, string id, CancellationToken cancellationToken = default)
    {
        DocumentKey.Validate(partitionKey, id);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, "SELECT etag, body FROM documents WHERE partition_key = $pk AND id = $id",
            ("$pk", partitionKey), ("$id", id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }
        return new StoredDocument(partitionKey, id, reader.GetString(0), ParseBody(reader.GetString(1)));
    }

    public async Task<string> CreateAsync(string partitionKey, string id, JsonElement body, CancellationToken cancellationToken = default)
    {
        DocumentKey.Validate(partitionKey, id, body);
        var etag = NewETag();
        var inserted = await ExecuteAsync(
            """
            INSERT INTO documents (partition_key, id, etag, body) VALUES ($pk, $id, $etag, $body)
            ON CONFLICT (partition_key, id) DO NOTHING
            """,
            cancellationToken, ("$pk", partitionKey), ("$id", id), ("$etag", etag), ("$body", body.GetRawText())).ConfigureAwait(false);
        return inserted == 1 ? etag : throw new DocumentConflictException(partitionKey, id, DocumentConflict.AlreadyExists);
    }

    public async Task<string> UpsertAsync(string partitionKey, string id, JsonElement body, CancellationToken cancellationToken = default)
    {
        DocumentKey.Validate(partitionKey, id, body);
        var etag = NewETag();
        await ExecuteAsync(
            """
            INSERT INTO documents (partition_key, id, etag, body) VALUES ($pk, $id, $etag, $body)
            ON CONFLICT (partition_key, id) DO UPDATE SET etag = excluded.etag, body = excluded.body
            """,
            cancellationToken, ("$pk", partitionKey), ("$id", id), ("$etag", etag), ("$body", body.GetRawText())).ConfigureAwait(false);
        return etag;
    }

    public async Task<string> ReplaceAsync(string partitionKey, string id, JsonElement body, string ifMatchETag, CancellationToken cancellationToken = default)
    {
        DocumentKey.Validate(partitionKey, id, body);
        ArgumentException.ThrowIfNullOrWhiteSpace(ifMatchETag);
        var etag = NewETag();
        var updated = await ExecuteAsync(
            "UPDATE documents SET etag = $etag, body = $body WHERE partition_key = $pk AND id = $id AND etag = $ifMatch",
            cancellationToken, ("$pk", partitionKey), ("$id", id), ("$etag", etag), ("$body", body.GetRawText()), ("$ifMatch", ifMatchETag)).ConfigureAwait(false);
        if (updated == 1)
        {
            return etag;
        }
        // Refused: only the reason is left to find out.
        var exists = await ReadAsync(partitionKey, id, cancellationToken).ConfigureAwait(false) is not null;
        throw new DocumentConflictException(partitionKey, id, exists ? DocumentConflict.ETagMismatch : DocumentConflict.NotFound);
    }

    public async Task<bool> DeleteAsync(string partitionKey, string id, CancellationToken cancellationToken = default)
    {
        DocumentKey.Validate(partitionKey, id);
        var deleted = await ExecuteAsync("DELETE FROM documents WHERE partition_key = $pk AND id = $id",
            cancellationToken, ("$pk", partitionKey), ("$id", id)).ConfigureAwait(false);
        return deleted == 1;
    }

    public async IAsyncEnumerable<StoredDocument> QueryAsync(string partitionKey, string? idPrefix = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        DocumentKey.ValidatePartitionKey(partitionKey);
        if (idPrefix is not null)
        {
            DocumentKey.ValidateIdPrefix(idPrefix);
        }
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        // GLOB is case-sensitive and, with a literal start, served by the primary key's index.
        await using var command = string.IsNullOrEmpty(idPrefix)
            ? Command(connection, "SELECT id, etag, body FROM documents WHERE partition_key = $pk ORDER BY id", ("$pk", partitionKey))
            : Command(connection, "SELECT id, etag, body FROM documents WHERE partition_key = $pk AND id GLOB $pattern ORDER BY id",
                ("$pk", partitionKey), ("$pattern", EscapeGlob(idPrefix) + "*"));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new StoredDocument(partitionKey, reader.GetString(0), reader.GetString(1), ParseBody(reader.GetString(2)));
        }
    }

    /// <summary>Releases the pooled connections to the file (so it can be moved or deleted).</summary>
    public void Dispose()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    private async Task CreateSchemaAsync(CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(DatabasePath);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, Schema);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var pragma = Command(connection, "PRAGMA synchronous = NORMAL"))
        {
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        return connection;
    }

    private async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, string Value)[] parameters)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = Command(connection, sql, parameters);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, string Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        return command;
    }

    private static JsonElement ParseBody(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static string EscapeGlob(string literal) =>
        literal.Replace("[", "[[]").Replace("*", "[*]").Replace("?", "[?]");

    private static string NewETag() => Guid.NewGuid().ToString("N");
}
