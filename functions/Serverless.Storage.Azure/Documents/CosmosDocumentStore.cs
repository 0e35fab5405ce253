using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Azure.Cosmos;
using Serverless.Storage.Documents;

namespace Serverless.Storage.Azure.Documents;

/// <summary>
/// <see cref="IDocumentStore"/> on one Cosmos DB container partitioned on <see cref="PartitionKeyPath"/>.
/// Uses the SDK's stream API (no serializer: documents are System.Text.Json end to end) and only
/// point operations and single-partition queries, with optimistic concurrency through
/// <c>If-Match</c> ETags. Each document is stored inside an envelope (see <see cref="CosmosEnvelope"/>).
/// </summary>
public sealed class CosmosDocumentStore : IDocumentStore, IDisposable
{
    /// <summary>The container's partition key path.</summary>
    public const string PartitionKeyPath = "/" + CosmosEnvelope.PartitionKeyProperty;

    private readonly Container _container;
    private readonly CosmosDocumentStoreOptions _options;
    private readonly AsyncOnce _containerExists;

    public CosmosDocumentStore(Container container, CosmosDocumentStoreOptions? options = null)
    {
        _container = container ?? throw new ArgumentNullException(nameof(container));
        _options = options ?? new CosmosDocumentStoreOptions();
        _containerExists = new AsyncOnce(_options.EnsureContainerAsync ?? (_ => Task.CompletedTask));
    }

    /// <summary>The client this store was built with by <see cref="AzureStorageProvider"/>, disposed with it.</summary>
    internal CosmosClient? OwnedClient { get; init; }

    public async Task<StoredDocument?> ReadAsync(string partitionKey, string id, CancellationToken cancellationToken = default)
    {
        DocumentKey.Validate(partitionKey, id);
        await _containerExists.EnsureAsync(cancellationToken).ConfigureAwait(false);
        using var response = await _container.ReadItemStreamAsync(id, new PartitionKey(partitionKey), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound
            || (response.StatusCode == HttpStatusCode.InternalServerError && _options.MissingItemReadsAsServerError))
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        return await CosmosEnvelope.ReadItemAsync(response.Content, cancellationToken).ConfigureAwait(false);
    }

    public async Task<string> CreateAsync(string partitionKey, string id, JsonElement body, CancellationToken cancellationToken = default)
    {
        DocumentKey.Validate(partitionKey, id, body);
        await _containerExists.EnsureAsync(cancellationToken).ConfigureAwait(false);
        using var item = CosmosEnvelope.Write(partitionKey, id, body);
        using var response = await _container.CreateItemStreamAsync(item, new PartitionKey(partitionKey), WithoutContent(), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            throw new DocumentConflictException(partitionKey, id, DocumentConflict.AlreadyExists);
        }
        return ETagOf(response);
    }

    public async Task<string> UpsertAsync(string partitionKey, string id, JsonElement body, CancellationToken cancellationToken = default)
    {
        DocumentKey.Validate(partitionKey, id, body);
        await _containerExists.EnsureAsync(cancellationToken).ConfigureAwait(false);
        using var item = CosmosEnvelope.Write(partitionKey, id, body);
        using var response = await _container.UpsertItemStreamAsync(item, new PartitionKey(partitionKey), WithoutContent(), cancellationToken).ConfigureAwait(false);
        return ETagOf(response);
    }

    public async Task<string> ReplaceAsync(string partitionKey, string id, JsonElement body, string ifMatchETag, CancellationToken cancellationToken = default)
    {
        DocumentKey.Validate(partitionKey, id, body);
        ArgumentException.ThrowIfNullOrWhiteSpace(ifMatchETag);
        await _containerExists.EnsureAsync(cancellationToken).ConfigureAwait(false);
        using var item = CosmosEnvelope.Write(partitionKey, id, body);
        var options = WithoutContent();
        options.IfMatchEtag = ifMatchETag;
        using var response = await _container.ReplaceItemStreamAsync(item, id, new PartitionKey(partitionKey), options, cancellationToken).ConfigureAwait(false);
        return response.StatusCode switch
        {
            HttpStatusCode.PreconditionFailed => throw new DocumentConflictException(partitionKey, id, DocumentConflict.ETagMismatch),
            HttpStatusCode.NotFound => throw new DocumentConflictException(partitionKey, id, DocumentConflict.NotFound),
            _ => ETagOf(response),
        };
    }

    public async Task<bool> DeleteAsync(string partitionKey, string id, CancellationToken cancellationToken = default)
    {
        DocumentKey.Validate(partitionKey, id);
        await _containerExists.EnsureAsync(cancellationToken).ConfigureAwait(false);
        using var response = await _container.DeleteItemStreamAsync(id, new PartitionKey(partitionKey), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        response.EnsureSuccessStatusCode();
        return true;
    }

    public async IAsyncEnumerable<StoredDocument> QueryAsync(string partitionKey, string? idPrefix = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        DocumentKey.ValidatePartitionKey(partitionKey);
        if (idPrefix is not null)
        {
            DocumentKey.ValidateIdPrefix(idPrefix);
        }
        await _containerExists.EnsureAsync(cancellationToken).ConfigureAwait(false);

        // The partition key goes both in the request options (Azure routes on it) and in the WHERE
        // clause (the emulator ignores the header). No ORDER BY: it needs a query plan the emulator lacks.
        var query = string.IsNullOrEmpty(idPrefix)
            ? new QueryDefinition("SELECT * FROM c WHERE c.pk = @pk").WithParameter("@pk", partitionKey)
            : new QueryDefinition("SELECT * FROM c WHERE c.pk = @pk AND STARTSWITH(c.id, @prefix)")
                .WithParameter("@pk", partitionKey)
                .WithParameter("@prefix", idPrefix);
        using var iterator = _container.GetItemQueryStreamIterator(query, continuationToken: null, new QueryRequestOptions { PartitionKey = new PartitionKey(partitionKey) });
        while (iterator.HasMoreResults)
        {
            List<StoredDocument> page;
            using (var response = await iterator.ReadNextAsync(cancellationToken).ConfigureAwait(false))
            {
                response.EnsureSuccessStatusCode();
                page = await CosmosEnvelope.ReadPageAsync(response.Content, cancellationToken).ConfigureAwait(false);
            }
            foreach (var document in page)
            {
                yield return document;
            }
        }
    }

    public void Dispose() => OwnedClient?.Dispose();

    /// <summary>Writes need only the new ETag (a header), not the item echoed back.</summary>
    private static ItemRequestOptions WithoutContent() => new() { EnableContentResponseOnWrite = false };

    private static string ETagOf(ResponseMessage response)
    {
        response.EnsureSuccessStatusCode();
        return response.Headers.ETag ?? throw new InvalidOperationException($"Cosmos DB answered {(int)response.StatusCode} without an ETag.");
    }
}
