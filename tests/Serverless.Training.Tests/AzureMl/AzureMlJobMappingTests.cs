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
    [InlineData("azureml:serverless-trainer@latest", "azureml:serverless-trainer@latest")]
    [InlineData("azureml://registries/azureml/environments/sklearn-1.5/versions/2", "azureml://registries/azureml/environments/sklearn-1.5/versions/2")]
    public void Environments_become_ids_the_service_resolves(string environment, string expected) =>
        Assert.Equal(expected, AzureMlJobMapping.EnvironmentId(environment, Options));

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
