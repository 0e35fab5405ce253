using Serverless.Training.AzureMl;
using Serverless.Training.Contract;

namespace Serverless.Training.Tests.AzureMl;

public sealed class AzureMlJobMappingTests
{
    private static readonly AzureMlTrainingOptions Options = new() { SubscriptionId = "sub", ResourceGroup = "rg", Workspace = "ws" };

    [Theory]
    [InlineData(3600, "PT1H")]
    [InlineData(5400, "PT1H30M")]
    [InlineData(90.2, "PT1M31S")]
    [InlineData(172800, "P2D")]
    public void Timeouts_are_ISO_8601_durations_in_whole_seconds(double seconds, string expected) =>
        Assert.Equal(expected, AzureMlJobMapping.Iso8601Seconds(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData("azureml:serverless-trainer:3", "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/environments/serverless-trainer/versions/3")]
    [InlineData("azureml://registries/azureml/environments/sklearn-1.5/versions/2", "azureml://registries/azureml/environments/sklearn-1.5/versions/2")]
    [InlineData("/subscriptions/sub/x/environments/e/versions/1", "/subscriptions/sub/x/environments/e/versions/1")]
    public void Versioned_environments_and_ids_need_no_lookup(string environment, string expected)
    {
        var reference = AzureMlEnvironmentReference.Parse(environment);

        Assert.True(reference is AzureMlEnvironmentReference.Versioned or AzureMlEnvironmentReference.Id);
        var id = reference is AzureMlEnvironmentReference.Versioned v
            ? $"{Options.WorkspaceId}/environments/{v.Name}/versions/{v.Version}"
            : ((AzureMlEnvironmentReference.Id)reference).Value;
        Assert.Equal(expected, id);
    }

    [Fact]
    public void Only_the_latest_label_is_resolved_and_a_versionless_name_is_refused()
    {
        Assert.Equal(new AzureMlEnvironmentReference.Latest("serverless-trainer"), AzureMlEnvironmentReference.Parse("azureml:serverless-trainer@latest"));
        Assert.IsType<AzureMlEnvironmentReference.Invalid>(AzureMlEnvironmentReference.Parse("azureml:serverless-trainer@stable"));
        Assert.IsType<AzureMlEnvironmentReference.Invalid>(AzureMlEnvironmentReference.Parse("azureml:serverless-trainer"));
    }

    [Fact]
    public void A_cluster_name_becomes_the_workspace_compute_id_and_an_id_passes_through()
    {
        Assert.Equal("/subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/gpu", AzureMlJobMapping.ComputeId("gpu", Options));
        Assert.Equal("/subscriptions/other/x/computes/c", AzureMlJobMapping.ComputeId("/subscriptions/other/x/computes/c", Options));
    }

    [Fact]
    public void An_unknown_status_is_reported_as_Unknown_not_an_error()
    {
        var state = AzureMlJobMapping.ToState("j", new JobResource { Properties = new JobProperties { Status = "Teleporting" } });
        Assert.Equal(TrainingJobStatus.Unknown, state.Status);
        Assert.Equal(TrainingJobStatus.Finalizing, AzureMlJobMapping.ToState("j", new JobResource { Properties = new JobProperties { Status = "finalizing" } }).Status);
    }

    [Fact]
    public void A_failure_without_a_message_points_at_the_logs()
    {
        var state = AzureMlJobMapping.ToState("j", new JobResource
        {
            Properties = new JobProperties
            {
                Status = "Failed",
                Services = new Dictionary<string, JobService> { ["Studio"] = new() { JobServiceType = "Studio", Endpoint = "https://ml.azure.com/runs/j" } },
            },
        });

        Assert.Equal("https://ml.azure.com/runs/j", state.LogLocation);
        Assert.Contains("see the logs at https://ml.azure.com/runs/j", state.ErrorMessage);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("${{inputs.x}}/file.csv", "${{inputs.x}}/file.csv")]
    [InlineData("two words", "'two words'")]
    [InlineData("", "''")]
    [InlineData("$(rm -rf /)", "'$(rm -rf /)'")]
    public void Arguments_are_quoted_for_bash_only_when_needed(string argument, string expected) =>
        Assert.Equal(expected, ShellCommandLine.Quote(argument));
}
