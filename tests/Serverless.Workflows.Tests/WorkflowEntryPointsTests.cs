using System.Text.Json;
using Serverless.Workflows.Demo;
using Serverless.Workflows.Forecasting;
using Serverless.Workflows.Training;

namespace Serverless.Workflows.Tests;

/// <summary>Which workflows may be started from outside, and what input each takes.</summary>
public sealed class WorkflowEntryPointsTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public void Only_the_public_workflows_are_entry_points_and_every_one_is_registered()
    {
        var registered = WorkflowCatalog.Create().GetOrchestrators().Select(o => o.Key.Name).ToList();

        Assert.Equal(["DemoApproval", "WeeklyForecast", "RecommendationRefresh"], WorkflowEntryPoints.All.Select(e => e.Name));
        Assert.All(WorkflowEntryPoints.All, e => Assert.Contains(e.Name, registered));
        var training = Assert.Throws<WorkflowNotStartableException>(() => WorkflowEntryPoints.Require(TrainingJobOrchestrator.Name));
        Assert.True(training.IsRegistered);
        Assert.Contains("only as a step", training.Message);
        Assert.True(Assert.Throws<WorkflowNotStartableException>(() => WorkflowEntryPoints.Require("ExperimentAggregation")).IsRegistered);
        Assert.False(Assert.Throws<WorkflowNotStartableException>(() => WorkflowEntryPoints.Require("NoSuchThing")).IsRegistered);
    }

    [Fact]
    public void No_input_is_the_workflows_defaults()
    {
        var entry = WorkflowEntryPoints.Require("demoapproval");

        Assert.Equal(new DemoInput(), entry.ReadInput(null));
        Assert.Equal(new DemoInput(), entry.ReadInput(Json("null")));
        Assert.Equal(new WeeklyForecastInput(), WorkflowEntryPoints.Require("WeeklyForecast").ReadInput(null));
    }

    [Theory]
    [InlineData("DemoApproval", """{ "items": 3, "command": "sh" }""", "command")]
    [InlineData("WeeklyForecast", """{ "spec": { "command": "sh", "arguments": ["-c", "id"] } }""", "spec")]
    [InlineData("WeeklyForecast", """{ "configPath": "/proc/self/environ" }""", "absolute")]
    [InlineData("WeeklyForecast", """{ "configPath": "../.data/host.keys" }""", "'..'")]
    [InlineData("WeeklyForecast", """{ "runDate": "last monday" }""", "runDate")]
    [InlineData("WeeklyForecast", """{ "dataset": "../x" }""", "dataset name")]
    [InlineData("RecommendationRefresh", """{ "services": ["jobs/../x"] }""", "services")]
    [InlineData("DemoApproval", """{ "items": 0 }""", "items must be from 1")]
    [InlineData("DemoApproval", "[1, 2]", "must be a JSON object")]
    public void A_field_the_workflow_does_not_take_or_a_bad_value_is_refused_naming_it(string workflow, string input, string expected)
    {
        var error = Assert.Throws<WorkflowInputException>(() => WorkflowEntryPoints.Require(workflow).ReadInput(Json(input)));

        Assert.Contains(expected, error.Message);
        Assert.Contains(workflow, error.Message);
    }

    [Theory]
    [InlineData("order-42", true, null)]
    [InlineData("WeeklyForecast-20250407-0100", true, null)]
    [InlineData("run:1@host.example", true, null)]
    [InlineData("..", false, "start with a letter or a digit")]
    [InlineData(".", false, "start with a letter or a digit")]
    [InlineData("a/b", false, "'/'")]
    [InlineData("a b", false, "a space")]
    [InlineData("a\nb", false, "a control character")]
    [InlineData("", false, "empty")]
    public void One_instance_id_rule(string id, bool valid, string? problem)
    {
        var explained = WorkflowInstanceIds.Explain(id, forNewInstance: true);

        Assert.Equal(valid, explained is null);
        if (problem is not null) Assert.Contains(problem, explained);
        Assert.Contains("at most 100", WorkflowInstanceIds.Explain(new string('a', 101), forNewInstance: true));
        Assert.Null(WorkflowInstanceIds.Explain(new string('a', 101) + "-train-als"));
        Assert.NotNull(WorkflowInstanceIds.Explain(new string('a', 300)));
    }
}
