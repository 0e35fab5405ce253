using System.Runtime.InteropServices;

namespace Serverless.Storage.Blobs;

/// <summary>Whether <see cref="BlobStoreExtensions.WriteOnceAsync"/> wrote the blob or found it already there.</summary>
public enum WriteOnceOutcome
{
    /// <summary>This call created the blob.</summary>
    Created,
    /// <summary>The blob was already there with the same content (a repeated step); nothing was written.</summary>
    AlreadyPresent,
}

/// <summary>The result of a write-once publication.</summary>
public sealed record WriteOnceResult(WriteOnceOutcome Outcome, BlobProperties Properties);

/// <summary>Conveniences over <see cref="IBlobStore"/> that every adapter gets for free.</summary>
public static class BlobStoreExtensions
{
    public static Task<BlobProperties> WriteAsync(this IBlobStore store, string path, ReadOnlyMemory<byte> content, BlobWriteCondition condition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.WriteAsync(path, AsStream(content), condition, cancellationToken);
    }

    public static async Task<byte[]> ReadAllBytesAsync(this IBlobStore store, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        return (await store.ReadAsync(path, cancellationToken).ConfigureAwait(false)).Content;
    }

    /// <summary>
    /// Idempotent publication: creates the blob if absent; if it is already there with the same
    /// content (by SHA-256) returns <see cref="WriteOnceOutcome.AlreadyPresent"/>; if it is there
    /// with different content throws <see cref="BlobContentConflictException"/>.
    /// </summary>
    public static async Task<WriteOnceResult> WriteOnceAsync(this IBlobStore store, string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        try
        {
            var written = await store.WriteAsync(path, content, BlobWriteCondition.IfAbsent, cancellationToken).ConfigureAwait(false);
            return new WriteOnceResult(WriteOnceOutcome.Created, written);
        }
        catch (BlobPreconditionFailedException e) when (e.Failure == BlobPreconditionFailure.AlreadyExists)
        {
            var newSha256 = ContentHash.Sha256(content.Span);
            var existing = await store.GetPropertiesAsync(path, cancellationToken).ConfigureAwait(false);
            if (existing is null)
            {
                // Deleted between the refused write and this look: publish again.
                return await store.WriteOnceAsync(path, content, cancellationToken).ConfigureAwait(false);
            }
            var existingSha256 = existing.ContentSha256;
            if (existingSha256 is null)
            {
                // A blob written by another tool carries no hash: compare the content itself.
                var read = await store.ReadAsync(path, cancellationToken).ConfigureAwait(false);
                existingSha256 = ContentHash.Sha256(read.Content);
                existing = read.Properties with { ContentSha256 = existingSha256 };
            }
            if (!string.Equals(existingSha256, newSha256, StringComparison.Ordinal))
            {
                throw new BlobContentConflictException(path, existingSha256, newSha256);
            }
            return new WriteOnceResult(WriteOnceOutcome.AlreadyPresent, existing);
        }
    }

    /// <summary>A read-only stream over the memory, without a copy when it is backed by an array.</summary>
    private static MemoryStream AsStream(ReadOnlyMemory<byte> content) =>
        MemoryMarshal.TryGetArray(content, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(content.ToArray(), writable: false);
}
