using Azure.Storage;
using Azure.Storage.Blobs;
using Serverless.Testing;
using Serverless.Training.AzureMl;
using Serverless.Training.Contract;
using Serverless.Training.Tests.TestSupport;

namespace Serverless.Training.Tests.AzureMl;

/// <summary>
/// The artifact reader with the real Blob client against Azurite: <c>azureml://datastores/...</c> URIs
/// are resolved through the (fake) workspace's datastore API to an account and container, and the blob
/// is read from the emulator. In Azure the client authenticates with the managed identity; here the
/// account endpoint the datastore names is checked and the emulator's client stands in for it.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class AzureMlArtifactReaderTests(EmulatorFixture emulators) : IAsyncLifetime
{
    private const string Account = "stserverless";
    private static readonly Uri AccountEndpoint = new($"https://{Account}.blob.core.windows.net");

    private readonly string _container = "jobs-" + Guid.NewGuid().ToString("N");
    private readonly List<Uri> _endpoints = [];
    private FakeAzureMlServer _server = null!;
    private BlobContainerClient _blobs = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeAzureMlServer.StartAsync();
        _server.AddDatastore("serverless", Account, _container);
        _blobs = new BlobServiceClient(emulators.StorageConnectionString).GetBlobContainerClient(_container);
        await _blobs.CreateAsync();
    }

    public async Task DisposeAsync()
    {
        await _blobs.DeleteIfExistsAsync();
        await _server.DisposeAsync();
    }

    /// <summary>The blob client for the endpoint a datastore names: Azurite's, after recording which endpoint was asked for.</summary>
    private BlobServiceClient Emulator(Uri endpoint)
    {
        lock (_endpoints) _endpoints.Add(endpoint);
        return new BlobServiceClient(emulators.StorageConnectionString);
    }

    private AzureMlArtifactReader Reader(Func<Uri, BlobServiceClient>? blobServices = null) =>
        new(_server.WorkspaceOptions(), new FakeTokenCredential(), _server.ClientOptions(), blobServices ?? Emulator);

    private Task UploadAsync(string path, string text) => _blobs.GetBlobClient(path).UploadAsync(BinaryData.FromString(text), overwrite: true);

    [Fact]
    public async Task A_datastore_uri_is_read_from_the_datastores_account_and_container()
    {
        await UploadAsync("recommendations/jobboard/models/v7/metrics.json", """{"map@10":0.31}""");

        var text = await Reader().ReadTextAsync("azureml://datastores/serverless/paths/recommendations/jobboard/models/v7/metrics.json", CancellationToken.None);

        Assert.Equal("""{"map@10":0.31}""", text);
        Assert.Equal([AccountEndpoint], _endpoints);
        var lookup = Assert.Single(_server.Requests);
        Assert.Equal($"{FakeAzureMlServer.WorkspaceId}/datastores/serverless", lookup.Path);
    }

    [Fact]
    public async Task A_blob_url_is_read_without_asking_the_workspace()
    {
        await UploadAsync("forecast/2030-01-06/metrics.json", """{"wape":0.12}""");

        var text = await Reader().ReadTextAsync($"https://{Account}.blob.core.windows.net/{_container}/forecast/2030-01-06/metrics.json", CancellationToken.None);

        Assert.Equal("""{"wape":0.12}""", text);
        Assert.Equal([AccountEndpoint], _endpoints);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task A_metrics_file_the_job_did_not_write_reads_as_null()
    {
        Assert.Null(await Reader().ReadTextAsync("azureml://datastores/serverless/paths/models/none/metrics.json", CancellationToken.None));
    }

    [Fact]
    public async Task A_datastore_the_workspace_does_not_have_is_named_in_the_error()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Reader().ReadTextAsync("azureml://datastores/missing/paths/m/metrics.json", CancellationToken.None));

        Assert.Contains("datastore 'missing', which does not exist in Azure ML workspace 'ws-serverless'", error.Message);
        Assert.Empty(_endpoints);
    }

    [Fact]
    public async Task An_artifact_larger_than_the_cap_is_refused_not_read()
    {
        await UploadAsync("big/metrics.json", new string('x', (int)AzureMlArtifactReader.MaxBytes + 1));

        var error = await Assert.ThrowsAsync<InvalidDataException>(() =>
            Reader().ReadTextAsync("azureml://datastores/serverless/paths/big/metrics.json", CancellationToken.None));

        Assert.Contains($"may be at most {AzureMlArtifactReader.MaxBytes} bytes", error.Message);
    }

    [Fact]
    public async Task An_identity_the_account_refuses_is_named_with_the_container_it_needs_a_role_on()
    {
        await UploadAsync("denied/metrics.json", "{}");
        var wrongKey = new StorageSharedKeyCredential("devstoreaccount1", Convert.ToBase64String(new byte[64]));
        var emulatorEndpoint = new BlobServiceClient(emulators.StorageConnectionString).Uri;

        var error = await Assert.ThrowsAsync<UnauthorizedAccessException>(() =>
            Reader(_ => new BlobServiceClient(emulatorEndpoint, wrongKey)).ReadTextAsync("azureml://datastores/serverless/paths/denied/metrics.json", CancellationToken.None));

        Assert.Contains("DefaultAzureCredential", error.Message);
        Assert.Contains($"{AccountEndpoint.AbsoluteUri.TrimEnd('/')}/{_container}", error.Message);
        Assert.Contains("Storage Blob Data Reader", error.Message);
    }

    [Fact]
    public async Task A_completed_job_on_Azure_ML_returns_the_metrics_its_output_folder_holds()
    {
        await UploadAsync("recommendations/jobboard/models/v8/metrics.json", """{"map@10":0.33}""");
        var client = _server.ClientOptions();
        client.ArtifactReader = Reader();
        var service = new AzureMlTrainingJobService(_server.WorkspaceOptions(), new FakeTokenCredential(), client);
        _server.Script("metrics-on-azure", "Completed");
        await service.SubmitAsync(new TrainingJobSpec
        {
            Name = "metrics-on-azure",
            Command = "serverless-trainer",
            Arguments = ["--output", "${{outputs.model}}"],
            Outputs = new Dictionary<string, TrainingJobOutput> { ["model"] = new("azureml://datastores/serverless/paths/recommendations/jobboard/models/v8/") },
            MetricsOutput = "model",
            Timeout = TimeSpan.FromHours(1),
        });
        await service.GetStatusAsync("metrics-on-azure");

        var outputs = await service.GetOutputsAsync("metrics-on-azure");

        Assert.Equal("azureml://datastores/serverless/paths/recommendations/jobboard/models/v8/metrics.json", outputs.MetricsUri);
        Assert.Equal("""{"map@10":0.33}""", outputs.MetricsJson);
    }
}
