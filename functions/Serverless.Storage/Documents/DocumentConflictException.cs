namespace Serverless.Storage.Documents;

/// <summary>Why a conditional document write was refused.</summary>
public enum DocumentConflict
{
    /// <summary>Create, and the document already exists.</summary>
    AlreadyExists,
    /// <summary>Replace, and the document has changed since the ETag given.</summary>
    ETagMismatch,
    /// <summary>Replace, and the document does not exist (any more).</summary>
    NotFound,
}

/// <summary>A conditional document write was refused; the stored document is unchanged.</summary>
public sealed class DocumentConflictException(string partitionKey, string id, DocumentConflict conflict, Exception? innerException = null)
    : Exception(Describe(partitionKey, id, conflict), innerException)
{
    public string PartitionKey { get; } = partitionKey;

    public string Id { get; } = id;

    public DocumentConflict Conflict { get; } = conflict;

    private static string Describe(string partitionKey, string id, DocumentConflict conflict) => conflict switch
    {
        DocumentConflict.AlreadyExists => $"Document '{id}' in partition '{partitionKey}' already exists.",
        DocumentConflict.ETagMismatch => $"Document '{id}' in partition '{partitionKey}' has changed since it was read (stale ETag).",
        _ => $"Document '{id}' in partition '{partitionKey}' does not exist.",
    };
}
