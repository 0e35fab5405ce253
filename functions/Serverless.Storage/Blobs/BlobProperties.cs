namespace Serverless.Storage.Blobs;

/// <summary>What a store knows about one version of a blob.</summary>
/// <param name="Path">The blob's path in the store.</param>
/// <param name="Length">Length in bytes.</param>
/// <param name="ETag">Opaque version token for <see cref="BlobWriteCondition.IfMatch"/>; changes whenever the blob is written.</param>
/// <param name="LastModified">When this version was written.</param>
/// <param name="ContentSha256">Lowercase hex SHA-256 of the content. Null only for a blob written
/// to an Azure container by something other than this library.</param>
public sealed record BlobProperties(string Path, long Length, string ETag, DateTimeOffset LastModified, string? ContentSha256);

/// <summary>A blob's content with the properties of exactly that version.</summary>
public sealed record BlobContent(byte[] Content, BlobProperties Properties);

/// <summary>One entry of a listing: enough to choose blobs; ask <see cref="IBlobStore.GetPropertiesAsync"/> for the rest.</summary>
public sealed record BlobItem(string Path, long Length, DateTimeOffset LastModified);
