namespace Serverless.Storage.Blobs;

/// <summary>
/// Artifacts (datasets, models, forecasts, proposals, lists) stored as blobs under '/'-separated
/// paths such as <c>forecasts/2025-W14/store-12.json</c>. One store is one namespace: a folder
/// on the local file system, one container in Azure Blob Storage.
/// </summary>
/// <remarks>
/// <para>Writes are atomic: a reader sees the previous blob or the new one, never a part.</para>
/// <para>Paths are validated by <see cref="BlobPath"/>; an invalid path is an <see cref="ArgumentException"/>
/// naming it. Segments that start with '.' are reserved for the store's own files.</para>
/// <para>Idempotent publication: write with <see cref="BlobWriteCondition.IfAbsent"/>. When the blob
/// is already there the write throws <see cref="BlobPreconditionFailedException"/> with
/// <see cref="BlobPreconditionFailure.AlreadyExists"/> and leaves it unchanged; compare the SHA-256
/// of your content with <see cref="BlobProperties.ContentSha256"/> of the existing blob (from
/// <see cref="GetPropertiesAsync"/>) to tell "already there, same content" (a repeated step: carry on)
/// from "already there, different content" (a real conflict). <see cref="BlobStoreExtensions.WriteOnceAsync"/>
/// does exactly that in one call.</para>
/// </remarks>
public interface IBlobStore
{
    /// <summary>Writes <paramref name="content"/> (read to its end) to <paramref name="path"/> if <paramref name="condition"/> holds.</summary>
    /// <returns>The properties of the blob as written.</returns>
    /// <exception cref="BlobPreconditionFailedException">The condition does not hold; nothing was written.</exception>
    Task<BlobProperties> WriteAsync(string path, Stream content, BlobWriteCondition condition, CancellationToken cancellationToken = default);

    /// <summary>Reads the whole blob with the properties of exactly the version read.</summary>
    /// <exception cref="BlobNotFoundException">No blob at <paramref name="path"/>.</exception>
    Task<BlobContent> ReadAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Opens the blob for reading as one consistent version, even if it is overwritten meanwhile.</summary>
    /// <exception cref="BlobNotFoundException">No blob at <paramref name="path"/>.</exception>
    Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default);

    Task<bool> ExistsAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>The blob's properties, or null when there is no blob at <paramref name="path"/>.</summary>
    Task<BlobProperties?> GetPropertiesAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>
    /// The blobs whose path starts with <paramref name="prefix"/> (a plain string prefix, so
    /// <c>"runs/1"</c> matches <c>runs/1/a</c> and <c>runs/10/a</c>; end it with '/' for one folder),
    /// in ordinal order of path. An empty prefix lists everything.
    /// </summary>
    IAsyncEnumerable<BlobItem> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Deletes the blob; false when there was none.</summary>
    Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default);
}
