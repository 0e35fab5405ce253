using System.Text;
using Serverless.Storage.Blobs;
using Serverless.Storage.Blobs.FileSystem;
using Serverless.Storage.Tests.Support;

namespace Serverless.Storage.Tests.Blobs;

public sealed class FileSystemBlobStoreContractTests : BlobStoreContract, IDisposable
{
    private readonly TempDirectory _folder = new();

    public FileSystemBlobStoreContractTests() => Store = new FileSystemBlobStore(_folder.Path);

    protected override IBlobStore Store { get; }

    public void Dispose() => _folder.Dispose();
}

/// <summary>What only the file-system adapter has: temporary files, OS locks, folders.</summary>
public sealed class FileSystemBlobStoreTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task A_blob_is_a_file_under_the_root_and_writes_leave_no_temporary_files()
    {
        var store = new FileSystemBlobStore(_folder.Path);

        await store.WriteAsync("a/b/c.json", Bytes("{}"), BlobWriteCondition.Overwrite);
        await store.WriteAsync("a/b/c.json", Bytes("{ }"), BlobWriteCondition.Overwrite);
        await Assert.ThrowsAsync<BlobPreconditionFailedException>(() => store.WriteAsync("a/b/c.json", Bytes("[]"), BlobWriteCondition.IfAbsent));

        Assert.Equal("{ }", await File.ReadAllTextAsync(_folder.Combine("a", "b", "c.json")));
        Assert.Equal(["c.json"], Directory.GetFiles(_folder.Combine("a", "b")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_source_that_fails_part_way_leaves_neither_blob_nor_temporary_file()
    {
        var store = new FileSystemBlobStore(_folder.Path);
        var content = new byte[100_000];

        await Assert.ThrowsAsync<IOException>(() => store.WriteAsync("x/partial.bin", new NonSeekableStream(content, failAfterBytes: 50_000), BlobWriteCondition.Overwrite));

        Assert.False(await store.ExistsAsync("x/partial.bin"));
        Assert.Empty(Directory.GetFiles(_folder.Combine("x")));
    }

    [Fact]
    public async Task Two_stores_on_one_folder_publishing_the_same_path_have_one_winner()
    {
        // Two instances hold separate OS file handles, as two processes would.
        var stores = new[] { new FileSystemBlobStore(_folder.Path), new FileSystemBlobStore(_folder.Path) };
        var attempts = Enumerable.Range(0, 10).Select(async i =>
        {
            try
            {
                await stores[i % 2].WriteAsync("published/list.json", Bytes($"writer {i}"), BlobWriteCondition.IfAbsent);
                return 1;
            }
            catch (BlobPreconditionFailedException)
            {
                return 0;
            }
        });

        Assert.Equal(1, (await Task.WhenAll(attempts)).Sum());
    }

    [Fact]
    public async Task The_path_lock_excludes_a_second_holder_until_released()
    {
        var locks = _folder.Combine(".locks");
        Directory.CreateDirectory(locks);

        var first = await PathLock.AcquireAsync(locks, "a/b.json", CancellationToken.None);
        var second = PathLock.AcquireAsync(locks, "a/b.json", CancellationToken.None);

        Assert.False(second.IsCompleted);
        first.Dispose();
        (await second.WaitAsync(TimeSpan.FromSeconds(30))).Dispose();
    }

    [Fact]
    public async Task A_path_whose_folder_is_already_a_blob_is_a_clear_error()
    {
        var store = new FileSystemBlobStore(_folder.Path);
        await store.WriteAsync("report", Bytes("x"), BlobWriteCondition.Overwrite);

        var error = await Assert.ThrowsAsync<IOException>(() => store.WriteAsync("report/part.json", Bytes("y"), BlobWriteCondition.Overwrite));

        Assert.Contains("'report/part.json'", error.Message);
    }

    [Fact]
    public async Task Listing_skips_the_stores_own_files()
    {
        var store = new FileSystemBlobStore(_folder.Path);
        await store.WriteAsync("a.json", Bytes("1"), BlobWriteCondition.Overwrite);
        await File.WriteAllTextAsync(_folder.Combine(".partial-stray"), "left by a crash");

        Assert.Equal(["a.json"], await store.ListAsync("").Select(item => item.Path).ToListAsync());
    }

    public void Dispose() => _folder.Dispose();
}
