namespace Serverless.Storage.Blobs;

/// <summary>When a write may happen.</summary>
public enum BlobWriteMode
{
    /// <summary>Always write, replacing any existing blob.</summary>
    Overwrite,
    /// <summary>Write only if no blob exists at the path (create-once publication).</summary>
    IfAbsent,
    /// <summary>Write only if the existing blob still has the given ETag (optimistic concurrency).</summary>
    IfMatch,
}

/// <summary>The precondition of a blob write: <see cref="Overwrite"/>, <see cref="IfAbsent"/> or <see cref="IfMatch"/>.</summary>
public readonly record struct BlobWriteCondition
{
    private BlobWriteCondition(BlobWriteMode mode, string? etag)
    {
        Mode = mode;
        ETag = etag;
    }

    public BlobWriteMode Mode { get; }

    /// <summary>The ETag the existing blob must have; set only for <see cref="BlobWriteMode.IfMatch"/>.</summary>
    public string? ETag { get; }

    public static BlobWriteCondition Overwrite => new(BlobWriteMode.Overwrite, null);

    public static BlobWriteCondition IfAbsent => new(BlobWriteMode.IfAbsent, null);

    public static BlobWriteCondition IfMatch(string etag)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(etag);
        return new(BlobWriteMode.IfMatch, etag);
    }

    public override string ToString() => Mode == BlobWriteMode.IfMatch ? $"IfMatch({ETag})" : Mode.ToString();
}
