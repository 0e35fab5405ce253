using System.Collections.Concurrent;
using System.Text;
using Azure;
using Azure.Core;
using Azure.Storage.Blobs;
using Serverless.Training.Contract;

namespace Serverless.Training.AzureMl;

/// <summary>
/// Reads a small artifact a job wrote (its <c>metrics.json</c>) from blob storage with the host's
/// identity. <c>azureml://datastores/NAME/paths/PATH</c> is resolved through the workspace's datastore
/// API to the datastore's account and container; <c>https://ACCOUNT.blob.../CONTAINER/PATH</c> is
/// read as it is. The Azure ML client uses one by default, so outputs carry their metrics.
/// </summary>
public sealed class AzureMlArtifactReader : ITrainingArtifactReader
{
    /// <summary>The largest artifact read; a metrics file is a few hundred bytes.</summary>
    public const long MaxBytes = 1024 * 1024;

    private readonly AzureMlWorkspaceClient _workspace;
    private readonly AzureMlDatastores _datastores;
    private readonly Func<Uri, BlobServiceClient> _blobServices;
    private readonly ConcurrentDictionary<Uri, BlobServiceClient> _clients = new();

    /// <param name="options">The workspace whose datastores <c>azureml://</c> URIs name.</param>
    /// <param name="credential">The identity that reads the datastore API and the blobs.</param>
    /// <param name="clientOptions">Transport and retries for the datastore API.</param>
    /// <param name="blobServices">
    /// Makes the blob client for an account's blob endpoint; by default one with <paramref name="credential"/>.
    /// Tests point it at the storage emulator.
    /// </param>
    public AzureMlArtifactReader(AzureMlTrainingOptions options, TokenCredential credential, AzureMlClientOptions? clientOptions = null,
        Func<Uri, BlobServiceClient>? blobServices = null)
        : this(new AzureMlWorkspaceClient(options ?? throw new ArgumentNullException(nameof(options)),
            credential ?? throw new ArgumentNullException(nameof(credential)), clientOptions ?? new AzureMlClientOptions()), credential, blobServices)
    {
    }

    internal AzureMlArtifactReader(AzureMlWorkspaceClient workspace, TokenCredential credential, Func<Uri, BlobServiceClient>? blobServices)
    {
        _workspace = workspace;
        _datastores = new AzureMlDatastores(workspace);
        _blobServices = blobServices ?? (endpoint => new BlobServiceClient(endpoint, credential));
    }

    /// <exception cref="UnauthorizedAccessException">The identity may not read the blob; the message names the identity and the container.</exception>
    /// <exception cref="InvalidDataException">The artifact is larger than <see cref="MaxBytes"/>.</exception>
    /// <exception cref="InvalidOperationException">The URI names a datastore the workspace does not have.</exception>
    /// <exception cref="NotSupportedException">The URI is neither a datastore URI of this workspace nor a blob URL.</exception>
    public async Task<string?> ReadTextAsync(string uri, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(uri);
        var (service, container, blobName) = await LocateAsync(uri, cancellationToken).ConfigureAwait(false);
        var blob = _clients.GetOrAdd(service, _blobServices).GetBlobContainerClient(container).GetBlobClient(blobName);
        try
        {
            var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            if (properties.Value.ContentLength > MaxBytes)
            {
                throw new InvalidDataException($"{uri} is {properties.Value.ContentLength} bytes; an artifact read as text may be at most {MaxBytes} bytes.");
            }
            var content = await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return Encoding.UTF8.GetString(content.Value.Content.ToMemory().Span);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
        catch (RequestFailedException ex) when (ex.Status is 401 or 403)
        {
            throw new UnauthorizedAccessException(
                $"{_workspace.Caller} may not read {uri} (blob '{blobName}' in container {service.AbsoluteUri.TrimEnd('/')}/{container}): "
                + $"it needs Storage Blob Data Reader or Contributor on that container ({ex.Status}{(ex.ErrorCode is null ? "" : " " + ex.ErrorCode)}).", ex);
        }
    }

    private async Task<(Uri Service, string Container, string Blob)> LocateAsync(string uri, CancellationToken cancellationToken)
    {
        if (AzureMlDatastoreUri.TryParse(uri) is { } reference)
        {
            if (!reference.IsIn(_workspace.Options.Workspace))
            {
                throw new NotSupportedException($"{uri} names workspace '{reference.Workspace}'; only datastores of {_workspace.WorkspaceScope} are resolved.");
            }
            var datastore = await _datastores.FindAsync(reference.Datastore, reference.Datastore, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"{uri} names datastore '{reference.Datastore}', which does not exist in {_workspace.WorkspaceScope}.");
            return (datastore.BlobServiceUri, datastore.ContainerName, reference.Path.TrimStart('/'));
        }

        if (Uri.TryCreate(uri, UriKind.Absolute, out var url) && url.Scheme is "https" or "http")
        {
            var parts = new BlobUriBuilder(url);
            if (string.IsNullOrEmpty(parts.BlobContainerName) || string.IsNullOrEmpty(parts.BlobName))
            {
                throw new NotSupportedException($"{uri} does not name a blob (https://ACCOUNT.blob.core.windows.net/CONTAINER/PATH).");
            }
            parts.BlobContainerName = null;
            parts.BlobName = null;
            var builder = new BlobUriBuilder(url);
            return (parts.ToUri(), builder.BlobContainerName, builder.BlobName);
        }

        throw new NotSupportedException($"{uri} is neither an azureml://datastores/NAME/paths/... URI nor a blob URL, so it cannot be read from here.");
    }
}
