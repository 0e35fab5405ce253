namespace Serverless.Storage.Configuration;

/// <summary>Where blobs live, as chosen by <see cref="StorageSettingNames.Blobs"/>.</summary>
public abstract record BlobStoreLocation;

/// <summary>A folder on the local file system.</summary>
public sealed record FileBlobStoreLocation(string RootDirectory) : BlobStoreLocation;

/// <summary>
/// A container in Azure Blob Storage, reached either with a connection string (Azurite, or
/// an account key) or at an account URI with a managed identity (Azure.Identity).
/// </summary>
public sealed record AzureBlobStoreLocation(string Container, string? ConnectionString, Uri? ServiceUri, string? ManagedIdentityClientId) : BlobStoreLocation
{
    // Keeps connection strings (which hold keys) out of logs and error messages.
    public override string ToString() =>
        ServiceUri is not null ? $"Azure Blob Storage {ServiceUri} container '{Container}'" : $"Azure Blob Storage (connection string) container '{Container}'";
}

/// <summary>Where documents live, as chosen by <see cref="StorageSettingNames.Documents"/>.</summary>
public abstract record DocumentStoreLocation;

/// <summary>A SQLite file.</summary>
public sealed record SqliteDocumentStoreLocation(string DatabasePath) : DocumentStoreLocation;

/// <summary>
/// A Cosmos DB container, reached either with a connection string (the emulator) or at an
/// account endpoint with a managed identity.
/// </summary>
public sealed record CosmosDocumentStoreLocation(string Database, string Container, Uri AccountEndpoint, string? AccountKey, string? ManagedIdentityClientId) : DocumentStoreLocation
{
    /// <summary>True when the endpoint is this machine (the emulator).</summary>
    public bool IsLoopback => AccountEndpoint.IsLoopback;

    public override string ToString() =>
        $"Cosmos DB {AccountEndpoint} database '{Database}' container '{Container}' ({(AccountKey is null ? "managed identity" : "account key")})";
}

/// <summary>Where notifications go, as chosen by <see cref="StorageSettingNames.Notifications"/>.</summary>
public abstract record NotificationSinkLocation;

/// <summary>Appended as JSON lines to a file (and logged).</summary>
public sealed record JsonLinesNotificationSinkLocation(string FilePath) : NotificationSinkLocation;

/// <summary>Logged only.</summary>
public sealed record LogNotificationSinkLocation : NotificationSinkLocation;
