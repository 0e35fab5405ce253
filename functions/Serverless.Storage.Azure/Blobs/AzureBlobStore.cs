using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Serverless.Storage.Blobs;
using BlobItem = Serverless.Storage.Blobs.BlobItem;
using BlobProperties = Serverless.Storage.Blobs.BlobProperties;

namespace Serverless.Storage.Azure.Blobs;

/// <summary>
/// <see cref="IBlobStore"/> on one Azure Blob Storage container (or Azurite). Uploads commit
/// atomically (Put Blob / Put Block List), so readers never see part of a write. Preconditions
/// are Blob Storage's own: only-if-absent is <c>If-None-Match: *</c>, only-if-ETag-matches is
/// <c>If-Match</c>. The SHA-256 of each blob is stored in its metadata under <see cref="Sha256MetadataKey"/>.
/// </summary>
public sealed class AzureBlobStore : IBlobStore
{
    /// <summary>The metadata entry holding the content's SHA-256 (Blob Storage only keeps an MD5, and only for small uploads).</summary>
    public const string Sha256MetadataKey = "sha256";

    private const int BufferSize = 81920;

    private readonly BlobContainerClient _container;
    private readonly AsyncOnce _containerExists;

    /// <param name="container">The container; created on first use when missing.</param>
    public AzureBlobStore(BlobContainerClient container)
    {
        _container = container ?? throw new ArgumentNullException(nameof(container));
        _containerExists = new AsyncOnce(async ct => await _container.CreateIfNotExistsAsync(cancellationToken: ct).ConfigureAwait(false));
    }

    public async Task<BlobProperties> WriteAsync(string path, Stream content, BlobWriteCondition condition, CancellationToken cancellationToken = default)
    {
        BlobPath.Validate(path);
        ArgumentNullException.ThrowIfNull(content);
        await _containerExists.EnsureAsync(cancellationToken).ConfigureAwait(false);

        // The hash goes into the metadata sent with the upload, so it is needed first.
        FileStream? spool = null;
        try
        {
            string sha256;
            long length;
            Stream upload;
            if (content.CanSeek)
            {
                var start = content.Position;
                sha256 = await ContentHash.Sha256Async(content, cancellationToken).ConfigureAwait(false);
                length = content.Position - start;
                content.Position = start;
                upload = content;
            }
            else
            {
                spool = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, BufferSize, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
                (sha256, length) = await ContentHash.CopyAndHashAsync(content, spool, cancellationToken).ConfigureAwait(false);
                spool.Position = 0;
                upload = spool;
            }

            var options = new BlobUploadOptions
            {
                Metadata = new Dictionary<string, string> { [Sha256MetadataKey] = sha256 },
                Conditions = ToRequestConditions(condition),
            };
            try
            {
                var response = await _container.GetBlobClient(path).UploadAsync(upload, options, cancellationToken).ConfigureAwait(false);
                return new BlobProperties(path, length, response.Value.ETag.ToString(), response.Value.LastModified, sha256);
            }
            catch (RequestFailedException e) when (ToPreconditionFailure(e, condition) is { } failure)
            {
                // If-Match on a missing blob is answered 412 like a stale ETag; the port tells them apart.
                if (failure == BlobPreconditionFailure.ETagMismatch
                    && !(await _container.GetBlobClient(path).ExistsAsync(cancellationToken).ConfigureAwait(false)).Value)
                {
                    failure = BlobPreconditionFailure.NotFound;
                }
                throw new BlobPreconditionFailedException(path, condition, failure, e);
            }
        }
        finally
        {
            if (spool is not null)
            {
                await spool.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    public async Task<BlobContent> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        BlobPath.Validate(path);
        try
        {
            var response = await _container.GetBlobClient(path).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            var details = response.Value.Details;
            var content = response.Value.Content.ToArray();
            return new BlobContent(content, new BlobProperties(path, content.Length, details.ETag.ToString(), details.LastModified, Sha256Of(details.Metadata)));
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new BlobNotFoundException(path, e);
        }
    }

    public async Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default)
    {
        BlobPath.Validate(path);
        try
        {
            // One GET: the stream is one version even if the blob is overwritten meanwhile.
            var response = await _container.GetBlobClient(path).DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return response.Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new BlobNotFoundException(path, e);
        }
    }

    public async Task<bool> ExistsAsync(string path, CancellationToken cancellationToken = default)
    {
        BlobPath.Validate(path);
        return (await _container.GetBlobClient(path).ExistsAsync(cancellationToken).ConfigureAwait(false)).Value;
    }

    public async Task<BlobProperties?> GetPropertiesAsync(string path, CancellationToken cancellationToken = default)
    {
        BlobPath.Validate(path);
        try
        {
            var properties = (await _container.GetBlobClient(path).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            return new BlobProperties(path, properties.ContentLength, properties.ETag.ToString(), properties.LastModified, Sha256Of(properties.Metadata));
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async IAsyncEnumerable<BlobItem> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        BlobPath.ValidatePrefix(prefix);
        // A missing container would fail the listing; an empty one lists as empty.
        await _containerExists.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var options = new GetBlobsOptions { Prefix = prefix.Length == 0 ? null : prefix };
        // Blob Storage lists in name order, as the port promises.
        await foreach (var item in _container.GetBlobsAsync(options, cancellationToken).ConfigureAwait(false))
        {
            yield return new BlobItem(item.Name, item.Properties.ContentLength ?? 0, item.Properties.LastModified ?? DateTimeOffset.MinValue);
        }
    }

    public async Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default)
    {
        BlobPath.Validate(path);
        return (await _container.GetBlobClient(path).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
    }

    private static BlobRequestConditions? ToRequestConditions(BlobWriteCondition condition) => condition.Mode switch
    {
        BlobWriteMode.IfAbsent => new BlobRequestConditions { IfNoneMatch = ETag.All },
        BlobWriteMode.IfMatch => new BlobRequestConditions { IfMatch = new ETag(condition.ETag!) },
        _ => null,
    };

    internal static BlobPreconditionFailure? ToPreconditionFailure(RequestFailedException e, BlobWriteCondition condition) => (condition.Mode, e.Status) switch
    {
        // Put Blob answers 409 BlobAlreadyExists to If-None-Match: *; a block-list commit answers 412.
        (BlobWriteMode.IfAbsent, 409 or 412) when e.ErrorCode != BlobErrorCode.ContainerNotFound => BlobPreconditionFailure.AlreadyExists,
        (BlobWriteMode.IfMatch, 412) => BlobPreconditionFailure.ETagMismatch,
        (BlobWriteMode.IfMatch, 404) when e.ErrorCode != BlobErrorCode.ContainerNotFound => BlobPreconditionFailure.NotFound,
        _ => null,
    };

    private static string? Sha256Of(IDictionary<string, string>? metadata) =>
        metadata is not null && metadata.TryGetValue(Sha256MetadataKey, out var sha256) ? sha256 : null;
}
