using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Serverless.Storage.Documents;

/// <summary>
/// Typed access to an <see cref="IDocumentStore"/> through System.Text.Json, and the optimistic
/// read-modify-write helper. Pass a source-generated <see cref="JsonTypeInfo{T}"/> (or, from
/// options, <c>(JsonTypeInfo&lt;T&gt;)options.GetTypeInfo(typeof(T))</c>).
/// </summary>
public static class DocumentStoreExtensions
{
    /// <summary>How many times <see cref="UpdateAsync{T}"/> tries before giving up on a contended document.</summary>
    public const int DefaultMaxAttempts = 32;

    public static async Task<StoredDocument<T>?> ReadAsync<T>(this IDocumentStore store, string partitionKey, string id, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var document = await store.ReadAsync(partitionKey, id, cancellationToken).ConfigureAwait(false);
        return document is null ? null : Deserialize(document, typeInfo);
    }

    public static Task<string> CreateAsync<T>(this IDocumentStore store, string partitionKey, string id, T value, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.CreateAsync(partitionKey, id, JsonSerializer.SerializeToElement(value, typeInfo), cancellationToken);
    }

    public static Task<string> UpsertAsync<T>(this IDocumentStore store, string partitionKey, string id, T value, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.UpsertAsync(partitionKey, id, JsonSerializer.SerializeToElement(value, typeInfo), cancellationToken);
    }

    public static Task<string> ReplaceAsync<T>(this IDocumentStore store, string partitionKey, string id, T value, string ifMatchETag, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.ReplaceAsync(partitionKey, id, JsonSerializer.SerializeToElement(value, typeInfo), ifMatchETag, cancellationToken);
    }

    public static async IAsyncEnumerable<StoredDocument<T>> QueryAsync<T>(this IDocumentStore store, string partitionKey, JsonTypeInfo<T> typeInfo, string? idPrefix = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        await foreach (var document in store.QueryAsync(partitionKey, idPrefix, cancellationToken).ConfigureAwait(false))
        {
            yield return Deserialize(document, typeInfo);
        }
    }

    /// <summary>
    /// Optimistic read-modify-write: reads the document (null when missing), applies
    /// <paramref name="update"/>, and writes the result only if nobody wrote in between (create when
    /// it was missing, replace with the ETag read otherwise); on a conflict it reads again and
    /// retries, so concurrent updaters never lose each other's changes. <paramref name="update"/>
    /// may therefore run more than once and must not have side effects.
    /// </summary>
    /// <returns>The document as written by this call.</returns>
    /// <exception cref="DocumentConflictException">Still conflicting after <paramref name="maxAttempts"/> tries.</exception>
    public static async Task<StoredDocument<T>> UpdateAsync<T>(
        this IDocumentStore store,
        string partitionKey,
        string id,
        Func<T?, T> update,
        JsonTypeInfo<T> typeInfo,
        int maxAttempts = DefaultMaxAttempts,
        CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(update);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);

        for (var attempt = 1; ; attempt++)
        {
            var current = await store.ReadAsync(partitionKey, id, typeInfo, cancellationToken).ConfigureAwait(false);
            var next = update(current?.Value);
            var body = JsonSerializer.SerializeToElement(next, typeInfo);
            try
            {
                var etag = current is null
                    ? await store.CreateAsync(partitionKey, id, body, cancellationToken).ConfigureAwait(false)
                    : await store.ReplaceAsync(partitionKey, id, body, current.ETag, cancellationToken).ConfigureAwait(false);
                return new StoredDocument<T>(partitionKey, id, etag, next);
            }
            catch (DocumentConflictException) when (attempt < maxAttempts)
            {
                // Someone wrote in between. A short random pause keeps contending writers from
                // colliding again in lockstep.
                await Task.Delay(Random.Shared.Next(0, 1 << Math.Min(attempt, 6)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static StoredDocument<T> Deserialize<T>(StoredDocument document, JsonTypeInfo<T> typeInfo)
    {
        T? value;
        try
        {
            value = document.Body.Deserialize(typeInfo);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException(
                $"Document '{document.Id}' in partition '{document.PartitionKey}' cannot be read as {typeof(T).Name}: {e.Message}", e);
        }
        if (value is null)
        {
            throw new InvalidDataException($"Document '{document.Id}' in partition '{document.PartitionKey}' is JSON null, not a {typeof(T).Name}.");
        }
        return new StoredDocument<T>(document.PartitionKey, document.Id, document.ETag, value);
    }
}
