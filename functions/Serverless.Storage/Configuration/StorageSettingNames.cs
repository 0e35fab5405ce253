namespace Serverless.Storage.Configuration;

/// <summary>The configuration keys that choose and place the storage adapters (environment: <c>Serverless__Storage__Blobs</c>, ...).</summary>
public static class StorageSettingNames
{
    /// <summary><c>file:&lt;folder&gt;</c> (default <c>file:.data/blobs</c>) | an Azure Storage connection string such as
    /// <c>UseDevelopmentStorage=true</c> (Azurite) | <c>https://&lt;account&gt;.blob.core.windows.net</c> (managed identity).</summary>
    public const string Blobs = "Serverless:Storage:Blobs";

    /// <summary>The blob container used in Azure (default <c>serverless</c>).</summary>
    public const string BlobContainer = "Serverless:Storage:BlobContainer";

    /// <summary><c>sqlite:&lt;file&gt;</c> (default <c>sqlite:.data/documents.db</c>) | <c>AccountEndpoint=...;AccountKey=...</c>
    /// (the Cosmos DB emulator) | <c>https://&lt;account&gt;.documents.azure.com:443/</c> (managed identity).</summary>
    public const string Documents = "Serverless:Storage:Documents";

    /// <summary>The Cosmos DB database (default <c>serverless</c>).</summary>
    public const string CosmosDatabase = "Serverless:Storage:CosmosDatabase";

    /// <summary>The Cosmos DB container, partitioned on <c>/pk</c> (default <c>documents</c>).</summary>
    public const string CosmosContainer = "Serverless:Storage:CosmosContainer";

    /// <summary><c>file:&lt;file.jsonl&gt;</c> (default <c>file:.data/notifications.jsonl</c>) | <c>log</c>.</summary>
    public const string Notifications = "Serverless:Storage:Notifications";

    /// <summary>Client id of a user-assigned managed identity; empty for the system-assigned one (or developer credentials).</summary>
    public const string ManagedIdentityClientId = "Serverless:Storage:ManagedIdentityClientId";
}
