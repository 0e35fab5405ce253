using System.Text.Json;
using Serverless.Storage.Documents;
using Serverless.Storage.Documents.Sqlite;
using Serverless.Storage.Tests.Support;

namespace Serverless.Storage.Tests.Documents;

public sealed class SqliteDocumentStoreContractTests : DocumentStoreContract, IDisposable
{
    private readonly TempDirectory _folder = new();
    private readonly SqliteDocumentStore _store;

    public SqliteDocumentStoreContractTests() => _store = new SqliteDocumentStore(_folder.Combine("db", "documents.db"));

    protected override IDocumentStore Store => _store;

    public void Dispose()
    {
        _store.Dispose();
        _folder.Dispose();
    }
}

/// <summary>What only the SQLite adapter has, and the typed helpers' own errors.</summary>
public sealed class SqliteDocumentStoreTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    [Fact]
    public async Task Two_stores_on_one_file_see_each_others_writes_and_conflicts()
    {
        // Separate instances (separate connection pools), as two processes would have.
        using var first = new SqliteDocumentStore(_folder.Combine("shared.db"));
        using var second = new SqliteDocumentStore(_folder.Combine("shared.db"));

        var etag = await first.CreateAsync("p", "a", JsonDocument.Parse("""{"v":1}""").RootElement);
        await second.ReplaceAsync("p", "a", JsonDocument.Parse("""{"v":2}""").RootElement, etag);

        var conflict = await Assert.ThrowsAsync<DocumentConflictException>(
            () => first.ReplaceAsync("p", "a", JsonDocument.Parse("""{"v":3}""").RootElement, etag));
        Assert.Equal(DocumentConflict.ETagMismatch, conflict.Conflict);
        Assert.Equal(2, (await first.ReadAsync("p", "a"))!.Body.GetProperty("v").GetInt32());
    }

    [Fact]
    public async Task The_database_runs_in_WAL_mode()
    {
        using var store = new SqliteDocumentStore(_folder.Combine("wal.db"));
        await store.UpsertAsync("p", "a", JsonDocument.Parse("{}").RootElement);

        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={store.DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";

        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_document_that_does_not_fit_the_type_is_an_error_naming_document_and_field()
    {
        using var store = new SqliteDocumentStore(_folder.Combine("typed.db"));
        await store.UpsertAsync("notes", "n1", JsonDocument.Parse("""{"text":"x","number":"not a number"}""").RootElement);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => store.ReadAsync("notes", "n1", TestJsonContext.Default.Note));

        Assert.Contains("'n1'", error.Message);
        Assert.Contains("'notes'", error.Message);
        Assert.Contains("$.number", error.Message);
    }

    [Fact]
    public async Task Update_gives_up_with_a_conflict_after_its_attempts()
    {
        using var store = new SqliteDocumentStore(_folder.Combine("contended.db"));
        await store.CreateAsync("counters", "c", new Counter(0, []), TestJsonContext.Default.Counter);

        // An update function that itself writes the document makes every attempt stale.
        var conflict = await Assert.ThrowsAsync<DocumentConflictException>(() => store.UpdateAsync("counters", "c", counter =>
        {
            store.UpsertAsync("counters", "c", new Counter(-1, []), TestJsonContext.Default.Counter).GetAwaiter().GetResult();
            return counter! with { Count = counter.Count + 1 };
        }, TestJsonContext.Default.Counter, maxAttempts: 3));

        Assert.Equal(DocumentConflict.ETagMismatch, conflict.Conflict);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }
}
