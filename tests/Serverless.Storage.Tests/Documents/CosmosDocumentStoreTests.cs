using Microsoft.Extensions.Configuration;
using Serverless.Storage.Azure;
using Serverless.Storage.Configuration;
using Serverless.Storage.Documents;
using Serverless.Testing;

namespace Serverless.Storage.Tests.Documents;

/// <summary>
/// The document contract against the Cosmos DB emulator (cosmosdb-server), built exactly as the
/// configuration factory builds it, one new container per test.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class CosmosDocumentStoreContractTests : DocumentStoreContract, IDisposable
{
    private readonly IDocumentStore _store;

    public CosmosDocumentStoreContractTests(EmulatorFixture emulators)
    {
        var settings = StorageSettings.FromConfiguration(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                [StorageSettingNames.Documents] = emulators.CosmosConnectionString,
                [StorageSettingNames.CosmosDatabase] = "contract-tests",
                [StorageSettingNames.CosmosContainer] = "c" + Guid.NewGuid().ToString("N"),
            })
            .Build());
        _store = new StorageFactory(settings, new AzureStorageProvider()).CreateDocumentStore();
    }

    protected override IDocumentStore Store => _store;

    public void Dispose() => (_store as IDisposable)?.Dispose();
}
