using System.Text;
using Serverless.Storage.Blobs;
using Serverless.Storage.Tests.Support;

namespace Serverless.Storage.Tests.Blobs;

/// <summary>
/// What every <see cref="IBlobStore"/> adapter must do alike. Each adapter's test class derives
/// from this and supplies a fresh, empty store per test.
/// </summary>
public abstract class BlobStoreContract
{
    protected abstract IBlobStore Store { get; }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task Write_then_read_round_trips_content_and_properties()
    {
        var content = Bytes("{\"store\":12,\"units\":[1,2,3]}");

        var written = await Store.WriteAsync("forecasts/w14/store-12.json", content, BlobWriteCondition.Overwrite);
        var read = await Store.ReadAsync("forecasts/w14/store-12.json");
        var properties = await Store.GetPropertiesAsync("forecasts/w14/store-12.json");

        Assert.Equal(content, read.Content);
        Assert.Equal(ContentHash.Sha256(content), written.ContentSha256);
        Assert.Equal(content.Length, written.Length);
        Assert.Equal("forecasts/w14/store-12.json", written.Path);
        Assert.NotNull(properties);
        Assert.Equal(written.ETag, properties.ETag);
        Assert.Equal(written.ETag, read.Properties.ETag);
        Assert.Equal(written.ContentSha256, properties.ContentSha256);
        Assert.Equal(content.Length, properties.Length);
        Assert.InRange(properties.LastModified, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));
    }

    [Fact]
    public async Task An_empty_blob_round_trips()
    {
        await Store.WriteAsync("empty.bin", ReadOnlyMemory<byte>.Empty, BlobWriteCondition.IfAbsent);

        Assert.Empty(await Store.ReadAllBytesAsync("empty.bin"));
        Assert.Equal(0, (await Store.GetPropertiesAsync("empty.bin"))!.Length);
    }

    [Fact]
    public async Task A_forward_only_stream_is_written_whole()
    {
        var content = new byte[300_000];
        new Random(7).NextBytes(content);

        var written = await Store.WriteAsync("models/als.bin", new NonSeekableStream(content), BlobWriteCondition.Overwrite);

        Assert.Equal(content, await Store.ReadAllBytesAsync("models/als.bin"));
        Assert.Equal(ContentHash.Sha256(content), written.ContentSha256);
        Assert.Equal(content.Length, written.Length);
    }

    [Fact]
    public async Task OpenRead_streams_the_content()
    {
        var content = Bytes(new string('x', 100_000));
        await Store.WriteAsync("data/sales.csv", content, BlobWriteCondition.Overwrite);

        await using var stream = await Store.OpenReadAsync("data/sales.csv");
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);

        Assert.Equal(content, copy.ToArray());
    }

    [Fact]
    public async Task A_missing_blob_reads_as_BlobNotFoundException_naming_the_path()
    {
        var read = await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.ReadAsync("no/such/blob.json"));
        var open = await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.OpenReadAsync("no/such/blob.json"));

        Assert.Equal("no/such/blob.json", read.Path);
        Assert.Contains("no/such/blob.json", read.Message);
        Assert.Equal("no/such/blob.json", open.Path);
    }

    [Fact]
    public async Task Exists_and_properties_tell_a_missing_blob()
    {
        await Store.WriteAsync("a/present.txt", Bytes("here"), BlobWriteCondition.Overwrite);

        Assert.True(await Store.ExistsAsync("a/present.txt"));
        Assert.False(await Store.ExistsAsync("a/absent.txt"));
        Assert.Null(await Store.GetPropertiesAsync("a/absent.txt"));
    }

    [Fact]
    public async Task Only_if_absent_twice_refuses_the_second_write_and_keeps_the_first()
    {
        await Store.WriteAsync("proposals/store-1.json", Bytes("first"), BlobWriteCondition.IfAbsent);

        var refused = await Assert.ThrowsAsync<BlobPreconditionFailedException>(
            () => Store.WriteAsync("proposals/store-1.json", Bytes("second"), BlobWriteCondition.IfAbsent));

        Assert.Equal(BlobPreconditionFailure.AlreadyExists, refused.Failure);
        Assert.Equal("proposals/store-1.json", refused.Path);
        Assert.Equal(Bytes("first"), await Store.ReadAllBytesAsync("proposals/store-1.json"));
    }

    [Fact]
    public async Task If_match_with_the_current_ETag_writes_and_changes_the_ETag()
    {
        var first = await Store.WriteAsync("state.json", Bytes("v1"), BlobWriteCondition.Overwrite);

        var second = await Store.WriteAsync("state.json", Bytes("v2"), BlobWriteCondition.IfMatch(first.ETag));

        Assert.NotEqual(first.ETag, second.ETag);
        Assert.Equal(Bytes("v2"), await Store.ReadAllBytesAsync("state.json"));
        Assert.Equal(second.ETag, (await Store.GetPropertiesAsync("state.json"))!.ETag);
    }

    [Fact]
    public async Task If_match_with_a_stale_ETag_is_refused_and_keeps_the_newer_blob()
    {
        var first = await Store.WriteAsync("state.json", Bytes("v1"), BlobWriteCondition.Overwrite);
        await Store.WriteAsync("state.json", Bytes("v2"), BlobWriteCondition.IfMatch(first.ETag));

        var refused = await Assert.ThrowsAsync<BlobPreconditionFailedException>(
            () => Store.WriteAsync("state.json", Bytes("v3"), BlobWriteCondition.IfMatch(first.ETag)));

        Assert.Equal(BlobPreconditionFailure.ETagMismatch, refused.Failure);
        Assert.Equal(Bytes("v2"), await Store.ReadAllBytesAsync("state.json"));
    }

    [Fact]
    public async Task If_match_on_a_missing_blob_is_refused()
    {
        var other = await Store.WriteAsync("other.json", Bytes("x"), BlobWriteCondition.Overwrite);

        var refused = await Assert.ThrowsAsync<BlobPreconditionFailedException>(
            () => Store.WriteAsync("missing.json", Bytes("y"), BlobWriteCondition.IfMatch(other.ETag)));

        Assert.Equal(BlobPreconditionFailure.NotFound, refused.Failure);
        Assert.False(await Store.ExistsAsync("missing.json"));
    }

    [Fact]
    public async Task Overwrite_replaces_an_existing_blob()
    {
        await Store.WriteAsync("lists/web.json", Bytes("old list"), BlobWriteCondition.Overwrite);
        await Store.WriteAsync("lists/web.json", Bytes("new"), BlobWriteCondition.Overwrite);

        Assert.Equal(Bytes("new"), await Store.ReadAllBytesAsync("lists/web.json"));
        Assert.Equal(3, (await Store.GetPropertiesAsync("lists/web.json"))!.Length);
    }

    [Fact]
    public async Task Listing_by_prefix_returns_matching_blobs_in_ordinal_order()
    {
        string[] paths = ["runs/10/b.json", "runs/1/z.json", "runs/1/a.json", "runs/2/a.json", "other/1/a.json", "runs/1/deep/er.json"];
        foreach (var path in paths)
        {
            await Store.WriteAsync(path, Bytes(path), BlobWriteCondition.Overwrite);
        }

        var folder = await Store.ListAsync("runs/1/").Select(item => item.Path).ToListAsync();
        var partial = await Store.ListAsync("runs/1").Select(item => item.Path).ToListAsync();
        var all = await Store.ListAsync("").ToListAsync();
        var none = await Store.ListAsync("nothing/here/").ToListAsync();

        Assert.Equal(["runs/1/a.json", "runs/1/deep/er.json", "runs/1/z.json"], folder);
        Assert.Equal(["runs/1/a.json", "runs/1/deep/er.json", "runs/1/z.json", "runs/10/b.json"], partial);
        Assert.Equal(paths.Order(StringComparer.Ordinal), all.Select(item => item.Path));
        Assert.Equal("runs/10/b.json".Length, all.Single(item => item.Path == "runs/10/b.json").Length);
        Assert.Empty(none);
    }

    [Fact]
    public async Task Delete_removes_the_blob_once()
    {
        await Store.WriteAsync("tmp/x.bin", Bytes("x"), BlobWriteCondition.Overwrite);

        Assert.True(await Store.DeleteAsync("tmp/x.bin"));
        Assert.False(await Store.DeleteAsync("tmp/x.bin"));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.ReadAsync("tmp/x.bin"));
        Assert.Empty(await Store.ListAsync("tmp/").ToListAsync());
    }

    [Fact]
    public async Task Write_once_tells_created_from_already_present_from_conflicting_content()
    {
        var created = await Store.WriteOnceAsync("published/store-3.json", Bytes("proposal"));
        var repeated = await Store.WriteOnceAsync("published/store-3.json", Bytes("proposal"));
        var conflict = await Assert.ThrowsAsync<BlobContentConflictException>(
            () => Store.WriteOnceAsync("published/store-3.json", Bytes("another proposal")));

        Assert.Equal(WriteOnceOutcome.Created, created.Outcome);
        Assert.Equal(WriteOnceOutcome.AlreadyPresent, repeated.Outcome);
        Assert.Equal(created.Properties.ETag, repeated.Properties.ETag);
        Assert.Equal(ContentHash.Sha256(Bytes("proposal")), conflict.ExistingSha256);
        Assert.Equal(Bytes("proposal"), await Store.ReadAllBytesAsync("published/store-3.json"));
    }

    [Fact]
    public async Task Concurrent_only_if_absent_writers_have_exactly_one_winner()
    {
        const int writers = 8;
        var attempts = Enumerable.Range(0, writers).Select(async i =>
        {
            try
            {
                await Store.WriteAsync("race/winner.txt", Bytes($"writer {i}"), BlobWriteCondition.IfAbsent);
                return (Writer: i, Won: true);
            }
            catch (BlobPreconditionFailedException e) when (e.Failure == BlobPreconditionFailure.AlreadyExists)
            {
                return (Writer: i, Won: false);
            }
        });

        var results = await Task.WhenAll(attempts);

        var winner = Assert.Single(results, r => r.Won);
        Assert.Equal(Bytes($"writer {winner.Writer}"), await Store.ReadAllBytesAsync("race/winner.txt"));
    }

    [Fact]
    public async Task Readers_during_overwrites_see_whole_versions_only()
    {
        const int size = 2 * 1024 * 1024;
        var versions = new[] { (byte)'a', (byte)'b' }.Select(b => Enumerable.Repeat(b, size).ToArray()).ToArray();
        await Store.WriteAsync("big/model.bin", versions[0], BlobWriteCondition.Overwrite);

        var writer = Task.Run(async () =>
        {
            for (var i = 1; i <= 6; i++)
            {
                await Store.WriteAsync("big/model.bin", versions[i % 2], BlobWriteCondition.Overwrite);
            }
        });
        var reads = 0;
        do
        {
            var content = await Store.ReadAllBytesAsync("big/model.bin");
            Assert.Equal(size, content.Length);
            Assert.True(content.AsSpan().IndexOfAnyExcept(content[0]) < 0, "A reader saw a mix of two versions.");
            reads++;
        }
        while (!writer.IsCompleted);
        await writer;

        Assert.True(reads > 0);
        Assert.Equal(versions[0], await Store.ReadAllBytesAsync("big/model.bin"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("/leading")]
    [InlineData("trailing/")]
    [InlineData("a//b")]
    [InlineData("a/../b")]
    [InlineData("a\\b")]
    [InlineData(".hidden/x")]
    public async Task An_invalid_path_is_refused_naming_it(string path)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Store.WriteAsync(path, Bytes("x"), BlobWriteCondition.Overwrite));

        Assert.Contains($"'{path}'", error.Message);
    }
}
