using System.Text.Json;

namespace Serverless.Storage.Documents;

/// <summary>
/// JSON documents addressed by (partition key, id): published recommendation lists served per
/// service and user, experiment aggregates with their applied batch ids, user assignments.
/// SQLite on one machine, Cosmos DB in Azure.
/// </summary>
/// <remarks>
/// <para>Access paths are point reads and queries over ONE partition: Cosmos DB serves those
/// cheaply (and its emulator serves nothing else), so choose partition keys that group what one
/// request needs, e.g. partition <c>recommendations/{service}</c>, id <c>{user}</c>.</para>
/// <para>Every write returns the document's new ETag; pass it to <see cref="ReplaceAsync"/> for
/// optimistic concurrency, or use <see cref="DocumentStoreExtensions.UpdateAsync{T}"/>, which retries.
/// Typed access through System.Text.Json is in <see cref="DocumentStoreExtensions"/>.</para>
/// <para>Keys are validated by <see cref="DocumentKey"/>; an invalid key is an <see cref="ArgumentException"/>.</para>
/// </remarks>
public interface IDocumentStore
{
    /// <summary>Point read; null when the document does not exist.</summary>
    Task<StoredDocument?> ReadAsync(string partitionKey, string id, CancellationToken cancellationToken = default);

    /// <summary>Creates the document; returns its ETag.</summary>
    /// <exception cref="DocumentConflictException">It already exists (<see cref="DocumentConflict.AlreadyExists"/>).</exception>
    Task<string> CreateAsync(string partitionKey, string id, JsonElement body, CancellationToken cancellationToken = default);

    /// <summary>Creates or replaces the document unconditionally; returns its new ETag.</summary>
    Task<string> UpsertAsync(string partitionKey, string id, JsonElement body, CancellationToken cancellationToken = default);

    /// <summary>Replaces the document if it still has <paramref name="ifMatchETag"/>; returns its new ETag.</summary>
    /// <exception cref="DocumentConflictException">It has changed since (<see cref="DocumentConflict.ETagMismatch"/>) or no longer exists (<see cref="DocumentConflict.NotFound"/>).</exception>
    Task<string> ReplaceAsync(string partitionKey, string id, JsonElement body, string ifMatchETag, CancellationToken cancellationToken = default);

    /// <summary>Deletes the document; false when there was none.</summary>
    Task<bool> DeleteAsync(string partitionKey, string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// All documents of one partition, optionally only those whose id starts with
    /// <paramref name="idPrefix"/> (ordinal). The order is unspecified (Cosmos DB returns
    /// documents in no guaranteed order): sort the results if order matters.
    /// </summary>
    IAsyncEnumerable<StoredDocument> QueryAsync(string partitionKey, string? idPrefix = null, CancellationToken cancellationToken = default);
}
