using System.Text.Json;
using Serverless.Storage.Documents;
using Serverless.Storage.Tests.Support;

namespace Serverless.Storage.Tests.Documents;

/// <summary>
/// What every <see cref="IDocumentStore"/> adapter must do alike. Each adapter's test class derives
/// from this and supplies a fresh, empty store per test.
/// </summary>
public abstract class DocumentStoreContract
{
    protected abstract IDocumentStore Store { get; }

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement;

    private static readonly Func<Counter?, Counter> Increment = counter => counter is null
        ? new Counter(1, [])
        : counter with { Count = counter.Count + 1 };

    [Fact]
    public async Task Reading_a_missing_document_returns_null()
    {
        Assert.Null(await Store.ReadAsync("recommendations/web", "user-1"));
    }

    [Fact]
    public async Task Create_then_read_round_trips_the_body_and_the_ETag()
    {
        var body = Json("""{"items":[3,1,2],"score":0.25,"name":"Zoë","nested":{"ok":true}}""");

        var etag = await Store.CreateAsync("recommendations/web", "user-1", body);
        var read = await Store.ReadAsync("recommendations/web", "user-1");

        Assert.NotNull(read);
        Assert.Equal(etag, read.ETag);
        Assert.Equal("recommendations/web", read.PartitionKey);
        Assert.Equal("user-1", read.Id);
        Assert.True(JsonElement.DeepEquals(body, read.Body), read.Body.GetRawText());
    }

    [Fact]
    public async Task Body_properties_named_like_storage_fields_are_kept_as_they_are()
    {
        var body = Json("""{"id":"someone-else","pk":"another","_etag":"mine","body":1,"_ts":2}""");

        await Store.CreateAsync("p", "doc", body);

        Assert.True(JsonElement.DeepEquals(body, (await Store.ReadAsync("p", "doc"))!.Body));
    }

    [Fact]
    public async Task Typed_documents_round_trip_through_source_generated_json()
    {
        await Store.CreateAsync("notes", "n1", new Note("hello", 42), TestJsonContext.Default.Note);

        var read = await Store.ReadAsync("notes", "n1", TestJsonContext.Default.Note);

        Assert.Equal(new Note("hello", 42), read!.Value);
    }

    [Fact]
    public async Task Creating_twice_is_refused_and_keeps_the_first()
    {
        await Store.CreateAsync("p", "a", Json("""{"v":1}"""));

        var conflict = await Assert.ThrowsAsync<DocumentConflictException>(() => Store.CreateAsync("p", "a", Json("""{"v":2}""")));

        Assert.Equal(DocumentConflict.AlreadyExists, conflict.Conflict);
        Assert.Equal(1, (await Store.ReadAsync("p", "a"))!.Body.GetProperty("v").GetInt32());
    }

    [Fact]
    public async Task Upsert_creates_then_replaces_with_a_new_ETag()
    {
        var first = await Store.UpsertAsync("p", "a", Json("""{"v":1}"""));
        var second = await Store.UpsertAsync("p", "a", Json("""{"v":2}"""));

        var read = await Store.ReadAsync("p", "a");
        Assert.NotEqual(first, second);
        Assert.Equal(second, read!.ETag);
        Assert.Equal(2, read.Body.GetProperty("v").GetInt32());
    }

    [Fact]
    public async Task Replace_with_the_current_ETag_succeeds()
    {
        var etag = await Store.CreateAsync("p", "a", Json("""{"v":1}"""));

        var next = await Store.ReplaceAsync("p", "a", Json("""{"v":2}"""), etag);

        var read = await Store.ReadAsync("p", "a");
        Assert.Equal(next, read!.ETag);
        Assert.Equal(2, read.Body.GetProperty("v").GetInt32());
    }

    [Fact]
    public async Task Replace_with_a_stale_ETag_is_refused_and_keeps_the_newer_document()
    {
        var stale = await Store.CreateAsync("p", "a", Json("""{"v":1}"""));
        await Store.ReplaceAsync("p", "a", Json("""{"v":2}"""), stale);

        var conflict = await Assert.ThrowsAsync<DocumentConflictException>(() => Store.ReplaceAsync("p", "a", Json("""{"v":3}"""), stale));

        Assert.Equal(DocumentConflict.ETagMismatch, conflict.Conflict);
        Assert.Equal("a", conflict.Id);
        Assert.Equal("p", conflict.PartitionKey);
        Assert.Equal(2, (await Store.ReadAsync("p", "a"))!.Body.GetProperty("v").GetInt32());
    }

    [Fact]
    public async Task Replacing_a_missing_document_is_refused()
    {
        var etag = await Store.CreateAsync("p", "other", Json("{}"));

        var conflict = await Assert.ThrowsAsync<DocumentConflictException>(() => Store.ReplaceAsync("p", "missing", Json("{}"), etag));

        Assert.Equal(DocumentConflict.NotFound, conflict.Conflict);
        Assert.Null(await Store.ReadAsync("p", "missing"));
    }

    [Fact]
    public async Task Delete_removes_the_document_once()
    {
        await Store.CreateAsync("p", "a", Json("{}"));

        Assert.True(await Store.DeleteAsync("p", "a"));
        Assert.False(await Store.DeleteAsync("p", "a"));
        Assert.Null(await Store.ReadAsync("p", "a"));
    }

    [Fact]
    public async Task The_same_id_in_two_partitions_is_two_documents()
    {
        await Store.CreateAsync("experiments/exp-1", "variant-a", Json("""{"n":1}"""));
        await Store.CreateAsync("experiments/exp-2", "variant-a", Json("""{"n":2}"""));

        Assert.Equal(1, (await Store.ReadAsync("experiments/exp-1", "variant-a"))!.Body.GetProperty("n").GetInt32());
        Assert.Equal(2, (await Store.ReadAsync("experiments/exp-2", "variant-a"))!.Body.GetProperty("n").GetInt32());
        Assert.True(await Store.DeleteAsync("experiments/exp-1", "variant-a"));
        Assert.NotNull(await Store.ReadAsync("experiments/exp-2", "variant-a"));
    }

    [Fact]
    public async Task A_query_returns_all_documents_of_one_partition_and_no_other()
    {
        foreach (var id in new[] { "u3", "u1", "u2" })
        {
            await Store.CreateAsync("lists/web", id, Json($$"""{"user":"{{id}}"}"""));
        }
        await Store.CreateAsync("lists/app", "u1", Json("""{"user":"app"}"""));

        var documents = await Store.QueryAsync("lists/web").ToListAsync();

        Assert.Equal(["u1", "u2", "u3"], documents.Select(d => d.Id).Order(StringComparer.Ordinal));
        Assert.All(documents, d => Assert.Equal("lists/web", d.PartitionKey));
        Assert.All(documents, d => Assert.Equal(d.Id, d.Body.GetProperty("user").GetString()));
        Assert.All(documents, d => Assert.False(string.IsNullOrEmpty(d.ETag)));
    }

    [Fact]
    public async Task A_query_with_an_id_prefix_returns_only_matching_ids_case_sensitively()
    {
        foreach (var id in new[] { "batch-001", "batch-002", "batches", "Batch-003", "agg", "batch-[x]*" })
        {
            await Store.CreateAsync("exp-1", id, Json("{}"));
        }

        var matching = await Store.QueryAsync("exp-1", "batch-").Select(d => d.Id).ToListAsync();
        var special = await Store.QueryAsync("exp-1", "batch-[x").Select(d => d.Id).ToListAsync();

        Assert.Equal(["batch-001", "batch-002", "batch-[x]*"], matching.Order(StringComparer.Ordinal));
        Assert.Equal(["batch-[x]*"], special);
    }

    [Fact]
    public async Task A_query_of_an_empty_partition_returns_nothing()
    {
        await Store.CreateAsync("full", "a", Json("{}"));

        Assert.Empty(await Store.QueryAsync("empty").ToListAsync());
    }

    [Fact]
    public async Task Typed_queries_return_values()
    {
        await Store.CreateAsync("notes", "n1", new Note("one", 1), TestJsonContext.Default.Note);
        await Store.CreateAsync("notes", "n2", new Note("two", 2), TestJsonContext.Default.Note);

        var notes = await Store.QueryAsync("notes", TestJsonContext.Default.Note).Select(d => d.Value).ToListAsync();

        Assert.Equal([new Note("one", 1), new Note("two", 2)], notes.OrderBy(n => n.Number));
    }

    [Fact]
    public async Task Update_creates_a_missing_document_then_modifies_it()
    {
        var created = await Store.UpdateAsync("counters", "c", Increment, TestJsonContext.Default.Counter);
        var updated = await Store.UpdateAsync("counters", "c", Increment, TestJsonContext.Default.Counter);

        Assert.Equal(1, created.Value.Count);
        Assert.Equal(2, updated.Value.Count);
        Assert.Equal(updated.ETag, (await Store.ReadAsync("counters", "c"))!.ETag);
    }

    [Fact]
    public async Task Two_concurrent_updaters_lose_no_update()
    {
        const int incrementsEach = 15;
        async Task UpdaterAsync(string name)
        {
            for (var i = 0; i < incrementsEach; i++)
            {
                await Store.UpdateAsync("counters", "shared",
                    counter => counter is null
                        ? new Counter(1, [name])
                        : new Counter(counter.Count + 1, [.. counter.Writers, name]),
                    TestJsonContext.Default.Counter);
            }
        }

        await Task.WhenAll(Task.Run(() => UpdaterAsync("a")), Task.Run(() => UpdaterAsync("b")));

        var counter = (await Store.ReadAsync("counters", "shared", TestJsonContext.Default.Counter))!.Value;
        Assert.Equal(2 * incrementsEach, counter.Count);
        Assert.Equal(incrementsEach, counter.Writers.Count(w => w == "a"));
        Assert.Equal(incrementsEach, counter.Writers.Count(w => w == "b"));
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a?b")]
    [InlineData("a#b")]
    [InlineData("a\\b")]
    [InlineData("")]
    public async Task An_invalid_id_is_refused_naming_it(string id)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Store.CreateAsync("p", id, Json("{}")));

        Assert.Contains($"'{id}'", error.Message);
    }

    [Fact]
    public async Task An_empty_partition_key_is_refused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.ReadAsync("", "a"));
    }
}
