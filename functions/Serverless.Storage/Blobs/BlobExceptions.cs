namespace Serverless.Storage.Blobs;

/// <summary>Base of the errors a blob store reports about one blob.</summary>
public abstract class BlobStoreException(string path, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    /// <summary>The blob's path in the store.</summary>
    public string Path { get; } = path;
}

/// <summary>There is no blob at <see cref="BlobStoreException.Path"/>.</summary>
public sealed class BlobNotFoundException(string path, Exception? innerException = null)
    : BlobStoreException(path, $"Blob '{path}' was not found.", innerException);

/// <summary>Why a conditional write did not happen.</summary>
public enum BlobPreconditionFailure
{
    /// <summary>Only-if-absent, and a blob is already there.</summary>
    AlreadyExists,
    /// <summary>Only-if-ETag-matches, and the blob has changed since that ETag.</summary>
    ETagMismatch,
    /// <summary>Only-if-ETag-matches, and there is no blob at all.</summary>
    NotFound,
}

/// <summary>A conditional write was refused; the stored blob is unchanged.</summary>
public sealed class BlobPreconditionFailedException(string path, BlobWriteCondition condition, BlobPreconditionFailure failure, Exception? innerException = null)
    : BlobStoreException(path, Describe(path, condition, failure), innerException)
{
    public BlobWriteCondition Condition { get; } = condition;

    public BlobPreconditionFailure Failure { get; } = failure;

    private static string Describe(string path, BlobWriteCondition condition, BlobPreconditionFailure failure) => failure switch
    {
        BlobPreconditionFailure.AlreadyExists => $"Blob '{path}' already exists (write condition {condition}).",
        BlobPreconditionFailure.ETagMismatch => $"Blob '{path}' has changed since ETag {condition.ETag} (write condition {condition}).",
        _ => $"Blob '{path}' does not exist (write condition {condition}).",
    };
}

/// <summary>A write-once publication found a blob with different content already at the path.</summary>
public sealed class BlobContentConflictException(string path, string existingSha256, string newSha256)
    : BlobStoreException(path, $"Blob '{path}' already exists with different content (existing SHA-256 {existingSha256}, new {newSha256}).")
{
    public string ExistingSha256 { get; } = existingSha256;

    public string NewSha256 { get; } = newSha256;
}
