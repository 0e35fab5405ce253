using Serverless.Training.AzureMl;
using Serverless.Training.Contract;
using Serverless.Training.Tests.TestSupport;

namespace Serverless.Training.Tests.AzureMl;

/// <summary>
/// What the client settles with the workspace before it submits: the environment's version (labels
/// resolved over REST, forms it cannot resolve refused) and the existence of every datastore a job names.
/// Each bad input gives one error naming the setting or the field, and nothing is submitted.
/// </summary>
public sealed class AzureMlSubmitChecksTests : IAsyncLifetime
{
    private FakeAzureMlServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeAzureMlServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private AzureMlTrainingJobService Service(string? environment = "azureml:serverless-trainer:1") =>
        new(_server.WorkspaceOptions(environment: environment), new FakeTokenCredential(), _server.ClientOptions());

    private static TrainingJobSpec Spec(string name, string output = "azureml://datastores/workspaceblobstore/paths/models/v1/") => new()
    {
        Name = name,
        Command = "serverless-trainer",
        Arguments = ["--data", "${{inputs.data}}", "--out", "${{outputs.model}}"],
        Inputs = new Dictionary<string, TrainingJobInput> { ["data"] = new("azureml://datastores/workspaceblobstore/paths/datasets/d.csv", TrainingDataKind.UriFile) },
        Outputs = new Dictionary<string, TrainingJobOutput> { ["model"] = new(output) },
        Timeout = TimeSpan.FromHours(1),
    };

    private string? SubmittedEnvironment => (string?)Assert.Single(_server.Requests, r => r.Method == "PUT").Json!["properties"]!["environmentId"];

    [Fact]
    public async Task The_latest_label_is_resolved_to_the_newest_version_before_the_submit()
    {
        _server.AddEnvironment("serverless-trainer", latestVersion: "k3j5x2m9q1w7e");

        await Service("azureml:serverless-trainer@latest").SubmitAsync(Spec("latest-env"));

        Assert.Equal($"{FakeAzureMlServer.WorkspaceId}/environments/serverless-trainer/versions/k3j5x2m9q1w7e", SubmittedEnvironment);
        var lookup = Assert.Single(_server.Requests, r => r.Path.Contains("/environments/", StringComparison.Ordinal));
        Assert.Equal($"{FakeAzureMlServer.WorkspaceId}/environments/serverless-trainer", lookup.Path);
        Assert.Equal("?api-version=2026-07-01", lookup.Query);
    }

    [Theory]
    [InlineData(null, false, "environment 'serverless-trainer' does not exist in Azure ML workspace 'ws-serverless'")]
    [InlineData("none", false, "has no versions, so '@latest' does not resolve")]
    [InlineData("4", true, "is archived")]
    public async Task A_label_that_does_not_resolve_is_refused_naming_the_setting(string? latest, bool archived, string message)
    {
        if (latest is not null) _server.AddEnvironment("serverless-trainer", latest == "none" ? null : latest, archived);

        var error = await Assert.ThrowsAsync<TrainingJobValidationException>(() => Service("azureml:serverless-trainer@latest").SubmitAsync(Spec("bad-label")));

        var problem = Assert.Single(error.Problems);
        Assert.Equal("Serverless:Training:AzureMl:Environment", problem.Field);
        Assert.Contains(message, problem.Message);
        Assert.DoesNotContain(_server.Requests, r => r.Method == "PUT");
    }

    [Theory]
    [InlineData("azureml:serverless-trainer", "names no version; write azureml:serverless-trainer:<version>, or azureml:serverless-trainer@latest")]
    [InlineData("azureml:serverless-trainer@prod", "uses the label 'prod'; environments are resolved by version or by @latest only")]
    [InlineData("serverless-trainer:1", "is not an Azure ML environment")]
    public async Task A_form_the_client_cannot_resolve_is_refused_before_asking_the_service(string environment, string message)
    {
        var error = await Assert.ThrowsAsync<TrainingJobValidationException>(() =>
            Service(environment: null).SubmitAsync(Spec("bad-form") with { Environment = environment }));

        var problem = Assert.Single(error.Problems);
        Assert.Equal("environment", problem.Field);
        Assert.Contains(message, problem.Message);
        Assert.DoesNotContain(_server.Requests, r => !r.IsJob);
    }

    [Fact]
    public async Task A_registry_environment_passes_through_for_the_service_to_resolve()
    {
        const string registry = "azureml://registries/azureml/environments/sklearn-1.5/versions/2";

        await Service(registry).SubmitAsync(Spec("registry-env"));

        Assert.Equal(registry, SubmittedEnvironment);
    }

    [Fact]
    public async Task A_datastore_that_does_not_exist_is_refused_naming_the_field_and_the_datastore()
    {
        var spec = Spec("no-datastore", output: "azureml://datastores/serverles/paths/models/v1/");

        var error = await Assert.ThrowsAsync<TrainingJobValidationException>(() => Service().SubmitAsync(spec));

        var problem = Assert.Single(error.Problems);
        Assert.Equal("outputs.model", problem.Field);
        Assert.Contains("datastore 'serverles' does not exist in Azure ML workspace 'ws-serverless'", problem.Message);
        Assert.Contains("azureml://datastores/serverles/paths/models/v1/", problem.Message);
        Assert.DoesNotContain(_server.Requests, r => r.Method == "PUT");
    }

    [Fact]
    public async Task Each_datastore_is_looked_up_once_per_submit()
    {
        await Service().SubmitAsync(Spec("one-lookup"));

        var lookup = Assert.Single(_server.Requests, r => r.IsDatastore);
        Assert.Equal($"{FakeAzureMlServer.WorkspaceId}/datastores/{FakeAzureMlServer.DefaultDatastore}", lookup.Path);
    }

    [Fact]
    public void Datastore_uris_are_parsed_in_short_and_long_form()
    {
        Assert.Equal(new AzureMlDatastoreUri("serverless", "models/a b/", null),
            AzureMlDatastoreUri.TryParse("azureml://datastores/serverless/paths/models/a%20b/"));
        var longForm = AzureMlDatastoreUri.TryParse(
            "azureml://subscriptions/s/resourcegroups/rg/workspaces/ws-serverless/datastores/serverless/paths/x.json");
        Assert.Equal(new AzureMlDatastoreUri("serverless", "x.json", "ws-serverless"), longForm);
        Assert.True(longForm!.IsIn(FakeAzureMlServer.Workspace));
        Assert.Null(AzureMlDatastoreUri.TryParse("https://acct.blob.core.windows.net/c/x.json"));
    }
}
