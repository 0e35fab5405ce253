using Azure;
using Azure.Storage.Blobs;
using Serverless.Storage.Azure.Blobs;
using Serverless.Storage.Blobs;
using Serverless.Testing;

namespace Serverless.Storage.Tests.Blobs;

/// <summary>The blob contract against Azure Blob Storage's emulator (Azurite), one new container per test.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class AzureBlobStoreContractTests(EmulatorFixture emulators) : BlobStoreContract
{
    protected override IBlobStore Store { get; } = new AzureBlobStore(
        new BlobServiceClient(emulators.StorageConnectionString).GetBlobContainerClient("contract-" + Guid.NewGuid().ToString("N")));
}

/// <summary>Blob Storage answers Azurite does not give for these calls.</summary>
public sealed class AzureBlobStoreErrorMappingTests
{
    [Fact]
    public void Azure_answering_412_to_an_only_if_absent_block_list_commit_means_already_exists()
    {
        // Azurite answers a single Put Blob with 409; Azure answers a Put Block List (large upload) with 412.
        var error = new RequestFailedException(412, "The condition specified using HTTP conditional header(s) is not met.", "ConditionNotMet", null);

        Assert.Equal(BlobPreconditionFailure.AlreadyExists, AzureBlobStore.ToPreconditionFailure(error, BlobWriteCondition.IfAbsent));
    }

    [Fact]
    public void A_missing_container_is_not_mistaken_for_a_precondition_failure()
    {
        var error = new RequestFailedException(404, "The specified container does not exist.", "ContainerNotFound", null);

        Assert.Null(AzureBlobStore.ToPreconditionFailure(error, BlobWriteCondition.IfMatch("\"0x1\"")));
    }
}
