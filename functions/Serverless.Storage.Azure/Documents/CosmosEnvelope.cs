using System.Text.Json;
using Serverless.Storage.Documents;

namespace Serverless.Storage.Azure.Documents;

/// <summary>
/// How a document sits in a Cosmos DB item: <c>{"id": ..., "pk": ..., "body": {the document}}</c>.
/// Keeping the caller's JSON under "body" means its property names can never collide with
/// Cosmos DB's (id, _etag, _ts, ...) or with the partition key property.
/// </summary>
internal static class CosmosEnvelope
{
    public const string PartitionKeyProperty = "pk";
    public const string BodyProperty = "body";

    public static MemoryStream Write(string partitionKey, string id, JsonElement body)
    {
        var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("id", id);
            writer.WriteString(PartitionKeyProperty, partitionKey);
            writer.WritePropertyName(BodyProperty);
            body.WriteTo(writer);
            writer.WriteEndObject();
        }
        stream.Position = 0;
        return stream;
    }

    public static StoredDocument Read(JsonElement item)
    {
        var id = item.GetProperty("id").GetString()!;
        var partitionKey = item.GetProperty(PartitionKeyProperty).GetString()!;
        var etag = item.GetProperty("_etag").GetString()!;
        return new StoredDocument(partitionKey, id, etag, item.GetProperty(BodyProperty).Clone());
    }

    public static async Task<StoredDocument> ReadItemAsync(Stream content, CancellationToken cancellationToken)
    {
        using var document = await JsonDocument.ParseAsync(content, cancellationToken: cancellationToken).ConfigureAwait(false);
        return Read(document.RootElement);
    }

    /// <summary>The items of one page of query results (<c>{"Documents": [...], "_count": n}</c>).</summary>
    public static async Task<List<StoredDocument>> ReadPageAsync(Stream content, CancellationToken cancellationToken)
    {
        using var document = await JsonDocument.ParseAsync(content, cancellationToken: cancellationToken).ConfigureAwait(false);
        return document.RootElement.GetProperty("Documents").EnumerateArray().Select(Read).ToList();
    }
}
