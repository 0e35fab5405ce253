using System.Runtime.CompilerServices;
using System.IO.Enumeration;

namespace Serverless.Storage.Blobs.FileSystem;

/// <summary>
/// <see cref="IBlobStore"/> on a local folder: blob <c>a/b/c.json</c> is the file
/// <c>{root}/a/b/c.json</c>. The ETag is the content's SHA-256, so reading properties hashes the file.
/// </summary>
/// <remarks>
/// A write goes to a temporary file in the target's folder, is flushed to disk, and is then renamed
/// over the target, so readers see the old file or the new one, never a part (an open reader keeps
/// the version it opened). Preconditions are checked and the rename done under an OS file lock
/// shared by all processes using the folder, so two processes publishing the same path cannot both
/// succeed and an only-if-ETag-matches write cannot overwrite a newer version. A path cannot be both a blob and a
/// folder of blobs here (Azure allows it): such a write fails with an <see cref="IOException"/>.
/// </remarks>
public sealed class FileSystemBlobStore : IBlobStore
{
    private const string TempPrefix = ".partial-";
    private const int BufferSize = 81920;

    private readonly string _root;
    private readonly string _lockDirectory;

    public FileSystemBlobStore(string rootDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootDirectory);
        _root = Path.GetFullPath(rootDirectory);
        _lockDirectory = Path.Combine(_root, ".locks");
    }

    /// <summary>The folder the blobs live in.</summary>
    public string RootDirectory => _root;

    public async Task<BlobProperties> WriteAsync(string path, Stream content, BlobWriteCondition condition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var target = Resolve(path);
        var folder = Path.GetDirectoryName(target)!;
        CreateFolder(path, folder);
        Directory.CreateDirectory(_lockDirectory);

        var temp = Path.Combine(folder, TempPrefix + Guid.NewGuid().ToString("N"));
        try
        {
            string sha256;
            long length;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous))
            {
                (sha256, length) = await ContentHash.CopyAndHashAsync(content, file, cancellationToken).ConfigureAwait(false);
                // On disk before the rename makes it visible, so a crash cannot leave a truncated blob.
                file.Flush(flushToDisk: true);
            }

            using (await PathLock.AcquireAsync(_lockDirectory, path, cancellationToken).ConfigureAwait(false))
            {
                await CheckConditionAsync(path, target, condition, cancellationToken).ConfigureAwait(false);
                try
                {
                    File.Move(temp, target, overwrite: condition.Mode != BlobWriteMode.IfAbsent);
                }
                catch (IOException e) when (condition.Mode == BlobWriteMode.IfAbsent && File.Exists(target))
                {
                    throw new BlobPreconditionFailedException(path, condition, BlobPreconditionFailure.AlreadyExists, e);
                }
            }
            return new BlobProperties(path, length, sha256, File.GetLastWriteTimeUtc(target), sha256);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public async Task<BlobContent> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        await using var file = OpenExisting(path) ?? throw new BlobNotFoundException(path);
        var content = new byte[file.Length];
        await file.ReadExactlyAsync(content, cancellationToken).ConfigureAwait(false);
        var sha256 = ContentHash.Sha256(content);
        return new BlobContent(content, new BlobProperties(path, content.Length, sha256, File.GetLastWriteTimeUtc(file.SafeFileHandle), sha256));
    }

    public Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default) =>
        Task.FromResult<Stream>(OpenExisting(path) ?? throw new BlobNotFoundException(path));

    public Task<bool> ExistsAsync(string path, CancellationToken cancellationToken = default) =>
        Task.FromResult(File.Exists(Resolve(path)));

    public async Task<BlobProperties?> GetPropertiesAsync(string path, CancellationToken cancellationToken = default)
    {
        await using var file = OpenExisting(path);
        if (file is null)
        {
            return null;
        }
        var sha256 = await ContentHash.Sha256Async(file, cancellationToken).ConfigureAwait(false);
        return new BlobProperties(path, file.Length, sha256, File.GetLastWriteTimeUtc(file.SafeFileHandle), sha256);
    }

    public async IAsyncEnumerable<BlobItem> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        BlobPath.ValidatePrefix(prefix);
        // The walk below is synchronous: leave the caller's thread first.
        await Task.Yield();
        // Walk only the deepest folder the prefix names completely.
        var lastSlash = prefix.LastIndexOf('/');
        var folder = lastSlash < 0 ? _root : Path.Combine(_root, prefix[..lastSlash].Replace('/', Path.DirectorySeparatorChar));
        if (!Directory.Exists(folder))
        {
            yield break;
        }

        var root = _root;
        var entries = new FileSystemEnumerable<BlobItem>(
            folder,
            (ref FileSystemEntry entry) => new BlobItem(
                Path.GetRelativePath(root, entry.ToFullPath()).Replace(Path.DirectorySeparatorChar, '/'),
                entry.Length,
                entry.LastWriteTimeUtc),
            new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false, AttributesToSkip = 0 })
        {
            // Names starting with '.' are the store's own temporary and lock files.
            ShouldIncludePredicate = (ref FileSystemEntry entry) => !entry.IsDirectory && !entry.FileName.StartsWith('.'),
            ShouldRecursePredicate = (ref FileSystemEntry entry) => !entry.FileName.StartsWith('.'),
        };

        var items = entries.Where(item => item.Path.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        items.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        foreach (var item in items)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return item;
        }
    }

    public async Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default)
    {
        var target = Resolve(path);
        if (!File.Exists(target))
        {
            return false;
        }
        Directory.CreateDirectory(_lockDirectory);
        using (await PathLock.AcquireAsync(_lockDirectory, path, cancellationToken).ConfigureAwait(false))
        {
            if (!File.Exists(target))
            {
                return false;
            }
            File.Delete(target);
            return true;
        }
    }

    /// <summary>
    /// Deletes the temporary files of writes that never finished (a process killed mid-write leaves its
    /// <c>.partial-*</c> file behind): those not written to for <paramref name="olderThan"/> and not open in a writer
    /// (a writer holds its file exclusively). Returns how many were deleted.
    /// </summary>
    public int RemoveAbandonedWrites(TimeSpan olderThan)
    {
        if (!Directory.Exists(_root)) return 0;
        var cutoff = DateTime.UtcNow - olderThan;
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(_root, TempPrefix + "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 }))
        {
            try
            {
                if (File.GetLastWriteTimeUtc(file) > cutoff) continue;
                using (new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                {
                    // Opened exclusively: no writer has it.
                }
                File.Delete(file);
                removed++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // In use, or gone meanwhile: leave it.
            }
        }
        return removed;
    }

    private async Task CheckConditionAsync(string path, string target, BlobWriteCondition condition, CancellationToken cancellationToken)
    {
        switch (condition.Mode)
        {
            case BlobWriteMode.IfAbsent when File.Exists(target):
                throw new BlobPreconditionFailedException(path, condition, BlobPreconditionFailure.AlreadyExists);
            case BlobWriteMode.IfMatch:
                await using (var existing = OpenExisting(path))
                {
                    if (existing is null)
                    {
                        throw new BlobPreconditionFailedException(path, condition, BlobPreconditionFailure.NotFound);
                    }
                    var etag = await ContentHash.Sha256Async(existing, cancellationToken).ConfigureAwait(false);
                    if (!string.Equals(etag, condition.ETag, StringComparison.Ordinal))
                    {
                        throw new BlobPreconditionFailedException(path, condition, BlobPreconditionFailure.ETagMismatch);
                    }
                }
                break;
        }
    }

    /// <summary>Opens the blob's file as one version (a later rename over it does not affect this handle), or null if absent.</summary>
    private FileStream? OpenExisting(string path)
    {
        var target = Resolve(path);
        try
        {
            return new FileStream(target, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException
                                  || (e is UnauthorizedAccessException && Directory.Exists(target)))
        {
            return null;
        }
    }

    private void CreateFolder(string path, string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (IOException e)
        {
            throw new IOException($"Cannot write blob '{path}': a blob already exists where one of its folders would be.", e);
        }
    }

    private string Resolve(string path)
    {
        BlobPath.Validate(path);
        return Path.Combine(_root, path.Replace('/', Path.DirectorySeparatorChar));
    }
}
