using System.Text.Json;
using Serverless.Training.Contract;

namespace Serverless.Training.Tests.Contract;

public sealed class TrainingJsonTests
{
    [Fact]
    public void A_spec_round_trips_through_source_generated_JSON()
    {
        var spec = new TrainingJobSpec
        {
            Name = "als-2030-01-06",
            Command = "serverless-trainer",
            Arguments = ["als", "${{inputs.ratings}}"],
            Inputs = new Dictionary<string, TrainingJobInput> { ["ratings"] = new("file:datasets/ratings.csv", TrainingDataKind.UriFile) },
            Outputs = new Dictionary<string, TrainingJobOutput> { ["model"] = new("file:models/als") },
            MetricsOutput = "model",
            Environment = "azureml:serverless-trainer:1",
            Compute = "gpu-cluster",
            Resources = new TrainingResources(1, "Standard_NC4as_T4_v3"),
            Timeout = TimeSpan.FromMinutes(45),
            EnvironmentVariables = new Dictionary<string, string> { ["SEED"] = "1" },
            Tags = new Dictionary<string, string> { ["workflow"] = "RecommendationRefresh" },
        };

        var json = JsonSerializer.Serialize(spec, TrainingJson.Default.TrainingJobSpec);
        var back = JsonSerializer.Deserialize(json, TrainingJson.Default.TrainingJobSpec)!;

        Assert.Contains("\"kind\":\"UriFile\"", json);
        Assert.Contains("\"timeout\":\"00:45:00\"", json);
        Assert.Equal(spec.Name, back.Name);
        Assert.Equal(spec.Arguments, back.Arguments);
        Assert.Equal(spec.Inputs["ratings"], back.Inputs["ratings"]);
        Assert.Equal(spec.Outputs["model"], back.Outputs["model"]);
        Assert.Equal(spec.Resources, back.Resources);
        Assert.Equal(spec.Timeout, back.Timeout);
        Assert.Equal(spec.EnvironmentVariables, back.EnvironmentVariables);
        Assert.Equal(spec.Tags, back.Tags);
    }

    [Fact]
    public void A_spec_without_its_required_fields_does_not_deserialize()
    {
        var error = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("{\"name\":\"x\"}", TrainingJson.Default.TrainingJobSpec));
        Assert.Contains("command", error.Message);
    }

    [Fact]
    public void States_travel_with_their_status_as_a_name()
    {
        var state = new TrainingJobState("job", TrainingJobStatus.NotResponding, LogLocation: "https://ml.azure.com/runs/job");

        var json = JsonSerializer.Serialize(state, TrainingJson.Default.TrainingJobState);

        Assert.Contains("\"status\":\"NotResponding\"", json);
        Assert.DoesNotContain("isTerminal", json);
        Assert.Equal(state, JsonSerializer.Deserialize(json, TrainingJson.Default.TrainingJobState));
        Assert.False(state.IsTerminal);
    }
}
