using Serverless.Storage.Blobs;
using Serverless.Storage.Documents;

namespace Serverless.Storage.Configuration;

/// <summary>
/// Builds the cloud adapters for <see cref="StorageFactory"/>. Implemented in Serverless.Storage.Azure,
/// so that a local run never loads an Azure SDK.
/// </summary>
public interface ICloudStorageProvider
{
    IBlobStore CreateBlobStore(AzureBlobStoreLocation location);

    IDocumentStore CreateDocumentStore(CosmosDocumentStoreLocation location);
}
