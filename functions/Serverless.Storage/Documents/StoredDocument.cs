using System.Text.Json;

namespace Serverless.Storage.Documents;

/// <summary>A stored document as JSON, with the ETag of exactly this version.</summary>
public sealed record StoredDocument(string PartitionKey, string Id, string ETag, JsonElement Body);

/// <summary>A stored document read as <typeparamref name="T"/>, with the ETag of exactly this version.</summary>
public sealed record StoredDocument<T>(string PartitionKey, string Id, string ETag, T Value);
