using Microsoft.Extensions.Configuration;
using Serverless.Training.AzureMl;
using Serverless.Training.Configuration;
using Serverless.Training.Contract;
using Serverless.Training.Local;
using Serverless.Training.Tests.TestSupport;

namespace Serverless.Training.Tests.Configuration;

public sealed class TrainingJobServiceFactoryTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public async Task Without_settings_training_runs_in_process_and_there_is_no_job_service()
    {
        await using var backend = TrainingJobServiceFactory.Create(Config());

        Assert.Equal(TrainingMode.InProcess, backend.Mode);
        Assert.Null(backend.Service);
    }

    [Fact]
    public async Task Local_mode_gives_the_local_runner_on_the_configured_root()
    {
        using var root = new TempDirectory();
        await using var backend = TrainingJobServiceFactory.Create(Config(
            ("Serverless:Training:Mode", "local"),
            ("Serverless:Training:Local:RootDirectory", root.Path),
            ("Serverless:Training:Local:TrainerExecutable", "/bin/sh")));

        Assert.Equal(TrainingMode.Local, backend.Mode);
        var runner = Assert.IsType<LocalTrainingJobService>(backend.Service);
        Assert.Equal(root.Path, runner.RootDirectory);
    }

    [Fact]
    public void Missing_and_malformed_settings_are_all_reported_by_key()
    {
        var error = Assert.Throws<TrainingConfigurationException>(() => TrainingSettings.FromConfiguration(Config(
            ("Serverless:Training:Mode", "AzureMl"),
            ("Serverless:Training:AzureMl:Workspace", "ws"),
            ("Serverless:Training:AzureMl:Endpoint", "http://not-tls"))));

        Assert.Equal(
            ["Serverless:Training:AzureMl:Endpoint", "Serverless:Training:AzureMl:ResourceGroup", "Serverless:Training:AzureMl:SubscriptionId"],
            error.Problems.Select(p => p.Field).Order());
        Assert.Contains("Serverless:Training:AzureMl:SubscriptionId: is required", error.Message);
    }

    [Fact]
    public void An_unknown_mode_names_the_key_and_the_choices()
    {
        var error = Assert.Throws<TrainingConfigurationException>(() => TrainingSettings.FromConfiguration(Config(("Serverless:Training:Mode", "Kubernetes"))));

        var problem = Assert.Single(error.Problems);
        Assert.Equal("Serverless:Training:Mode", problem.Field);
        Assert.Contains("InProcess, Local, AzureMl", problem.Message);
    }

    [Fact]
    public async Task AzureMl_mode_gives_a_client_for_the_configured_workspace()
    {
        await using var server = await FakeAzureMlServer.StartAsync();
        server.Script("configured", "Running");
        var settings = TrainingSettings.FromConfiguration(Config(
            ("Serverless:Training:Mode", "AzureMl"),
            ("Serverless:Training:AzureMl:SubscriptionId", FakeAzureMlServer.Subscription),
            ("Serverless:Training:AzureMl:ResourceGroup", FakeAzureMlServer.ResourceGroup),
            ("Serverless:Training:AzureMl:Workspace", FakeAzureMlServer.Workspace),
            ("Serverless:Training:AzureMl:Compute", "gpu-cluster"),
            ("Serverless:Training:AzureMl:Environment", "azureml:serverless-trainer:1"),
            ("Serverless:Training:AzureMl:Endpoint", server.Endpoint.ToString())));

        await using var backend = TrainingJobServiceFactory.Create(settings, new FakeTokenCredential(), server.ClientOptions());
        var service = Assert.IsType<AzureMlTrainingJobService>(backend.Service);
        await service.SubmitAsync(new TrainingJobSpec { Name = "configured", Command = "serverless-trainer", Timeout = TimeSpan.FromHours(1) });

        Assert.Equal(TrainingJobStatus.Running, (await service.GetStatusAsync("configured")).Status);
        var put = Assert.Single(server.Requests, r => r.Method == "PUT");
        Assert.Equal($"{FakeAzureMlServer.WorkspaceId}/computes/gpu-cluster", (string?)put.Json!["properties"]!["computeId"]);
    }

    private static readonly (string, string)[] Workspace =
    [
        ("Serverless:Training:Mode", "AzureMl"),
        ("Serverless:Training:AzureMl:SubscriptionId", "sub"),
        ("Serverless:Training:AzureMl:ResourceGroup", "rg"),
        ("Serverless:Training:AzureMl:Workspace", "ws"),
    ];

    [Fact]
    public void Jobs_run_as_the_clusters_managed_identity_unless_configured()
    {
        var settings = TrainingSettings.FromConfiguration(Config(Workspace));

        Assert.Equal(AzureMlJobIdentityType.Managed, settings.AzureMl!.JobIdentity);
        Assert.Null(settings.AzureMl.JobIdentityClientId);
    }

    [Theory]
    [InlineData("UserIdentity", AzureMlJobIdentityType.UserIdentity)]
    [InlineData("amltoken", AzureMlJobIdentityType.AmlToken)]
    [InlineData("AMLToken", AzureMlJobIdentityType.AmlToken)]
    [InlineData(" managed ", AzureMlJobIdentityType.Managed)]
    public void The_job_identity_setting_is_read_by_name(string value, AzureMlJobIdentityType expected)
    {
        var settings = TrainingSettings.FromConfiguration(Config([.. Workspace, ("Serverless:Training:AzureMl:JobIdentity", value)]));

        Assert.Equal(expected, settings.AzureMl!.JobIdentity);
    }

    [Theory]
    [InlineData("SystemAssigned")]
    [InlineData("1")]
    public void An_unknown_job_identity_names_the_key_and_the_choices(string value)
    {
        var error = Assert.Throws<TrainingConfigurationException>(() => TrainingSettings.FromConfiguration(Config(
            [.. Workspace, ("Serverless:Training:AzureMl:JobIdentity", value), ("Serverless:Training:AzureMl:JobIdentityClientId", "5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b")])));

        var problem = Assert.Single(error.Problems);
        Assert.Equal("Serverless:Training:AzureMl:JobIdentity", problem.Field);
        Assert.Contains($"'{value}' is not a job identity; use Managed, UserIdentity, AMLToken", problem.Message);
    }

    [Fact]
    public void A_user_assigned_client_id_goes_with_a_managed_identity_and_must_be_a_GUID()
    {
        var managed = TrainingSettings.FromConfiguration(Config(
            [.. Workspace, ("Serverless:Training:AzureMl:JobIdentityClientId", "5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b")]));
        Assert.Equal("5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b", managed.AzureMl!.JobIdentityClientId);

        var notGuid = Assert.Throws<TrainingConfigurationException>(() => TrainingSettings.FromConfiguration(Config(
            [.. Workspace, ("Serverless:Training:AzureMl:JobIdentityClientId", "id-train")])));
        Assert.Equal("Serverless:Training:AzureMl:JobIdentityClientId: 'id-train' is not a client id (a GUID)", Assert.Single(notGuid.Problems).ToString());

        var withUser = Assert.Throws<TrainingConfigurationException>(() => TrainingSettings.FromConfiguration(Config(
            [.. Workspace, ("Serverless:Training:AzureMl:JobIdentity", "UserIdentity"), ("Serverless:Training:AzureMl:JobIdentityClientId", "5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b")])));
        var problem = Assert.Single(withUser.Problems);
        Assert.Equal("Serverless:Training:AzureMl:JobIdentityClientId", problem.Field);
        Assert.Contains("needs Serverless:Training:AzureMl:JobIdentity = Managed, not UserIdentity", problem.Message);
    }

    [Fact]
    public async Task The_configured_job_identity_reaches_the_submitted_job()
    {
        await using var server = await FakeAzureMlServer.StartAsync();
        var settings = TrainingSettings.FromConfiguration(Config(
            ("Serverless:Training:Mode", "AzureMl"),
            ("Serverless:Training:AzureMl:SubscriptionId", FakeAzureMlServer.Subscription),
            ("Serverless:Training:AzureMl:ResourceGroup", FakeAzureMlServer.ResourceGroup),
            ("Serverless:Training:AzureMl:Workspace", FakeAzureMlServer.Workspace),
            ("Serverless:Training:AzureMl:Compute", "gpu-cluster"),
            ("Serverless:Training:AzureMl:Environment", "azureml:serverless-trainer:1"),
            ("Serverless:Training:AzureMl:JobIdentity", "UserIdentity"),
            ("Serverless:Training:AzureMl:Endpoint", server.Endpoint.ToString())));

        await using var backend = TrainingJobServiceFactory.Create(settings, new FakeTokenCredential(), server.ClientOptions());
        await backend.Service!.SubmitAsync(new TrainingJobSpec { Name = "as-user", Command = "serverless-trainer", Timeout = TimeSpan.FromHours(1) });

        var put = Assert.Single(server.Requests, r => r.Method == "PUT");
        Assert.Equal("""{"identityType":"UserIdentity"}""", put.Json!["properties"]!["identity"]!.ToJsonString());
    }
}
