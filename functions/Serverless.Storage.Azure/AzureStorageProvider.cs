using System.Collections.Concurrent;
using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.Azure.Cosmos;
using Serverless.Storage.Azure.Blobs;
using Serverless.Storage.Azure.Documents;
using Serverless.Storage.Blobs;
using Serverless.Storage.Configuration;
using Serverless.Storage.Documents;

namespace Serverless.Storage.Azure;

/// <summary>
/// Builds the Azure adapters for <see cref="StorageFactory"/>: Azure Blob Storage and Cosmos DB.
/// An account URI is reached with a managed identity (Azure.Identity's <see cref="DefaultAzureCredential"/>,
/// with the configured user-assigned client id if any); connection strings are for the emulators.
/// </summary>
/// <remarks>
/// Cosmos DB runs in Gateway mode with <c>LimitToEndpoint</c> (one endpoint, HTTPS only, as the
/// emulator needs). The database and container are created on first use only with an account key
/// (the emulator): with a managed identity the data-plane role cannot create them, the
/// infrastructure templates do.
/// </remarks>
public sealed class AzureStorageProvider(TokenCredential? credential = null) : ICloudStorageProvider
{
    public IBlobStore CreateBlobStore(AzureBlobStoreLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        var service = location.ConnectionString is not null
            ? new BlobServiceClient(location.ConnectionString)
            : new BlobServiceClient(location.ServiceUri ?? throw new ArgumentException("The location has neither a connection string nor a service URI.", nameof(location)),
                Credential(location.ManagedIdentityClientId));
        return new AzureBlobStore(service.GetBlobContainerClient(location.Container));
    }

    public IDocumentStore CreateDocumentStore(CosmosDocumentStoreLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        var clientOptions = CreateClientOptions(location);
        var client = location.AccountKey is not null
            ? new CosmosClient(location.AccountEndpoint.ToString(), location.AccountKey, clientOptions)
            : new CosmosClient(location.AccountEndpoint.ToString(), Credential(location.ManagedIdentityClientId), clientOptions);

        var options = new CosmosDocumentStoreOptions
        {
            MissingItemReadsAsServerError = location.IsLoopback,
            EnsureContainerAsync = location.AccountKey is null ? null : ct => CreateIfMissingAsync(client, location, ct),
        };
        return new CosmosDocumentStore(client.GetContainer(location.Database, location.Container), options) { OwnedClient = client };
    }

    internal static CosmosClientOptions CreateClientOptions(CosmosDocumentStoreLocation location)
    {
        var options = new CosmosClientOptions
        {
            ApplicationName = "serverless",
            ConnectionMode = ConnectionMode.Gateway,
            LimitToEndpoint = true,
        };
        if (location.IsLoopback)
        {
            options.HttpClientFactory = EmulatorCertificatePolicy.CreateHttpClient;
        }
        return options;
    }

    private static async Task CreateIfMissingAsync(CosmosClient client, CosmosDocumentStoreLocation location, CancellationToken cancellationToken)
    {
        var database = (await client.CreateDatabaseIfNotExistsAsync(location.Database, cancellationToken: cancellationToken).ConfigureAwait(false)).Database;
        await database.CreateContainerIfNotExistsAsync(new ContainerProperties(location.Container, CosmosDocumentStore.PartitionKeyPath), cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    // One credential per identity, shared by the clients, so tokens are fetched and cached once.
    private readonly ConcurrentDictionary<string, TokenCredential> _credentials = new();

    private TokenCredential Credential(string? managedIdentityClientId) =>
        credential ?? _credentials.GetOrAdd(managedIdentityClientId ?? "", clientId =>
            new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId.Length == 0 ? null : clientId }));
}
