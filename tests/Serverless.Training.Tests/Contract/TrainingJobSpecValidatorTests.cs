using Serverless.Training.Contract;
using Serverless.Training.Validation;

namespace Serverless.Training.Tests.Contract;

public sealed class TrainingJobSpecValidatorTests
{
    private static TrainingJobSpec Valid() => new()
    {
        Name = "weekly-forecast-2030-01-06",
        Command = "serverless-trainer",
        Arguments = ["forecast", "--sales", "${{inputs.sales}}", "--model", "${{ outputs.model }}"],
        Inputs = new Dictionary<string, TrainingJobInput> { ["sales"] = new("azureml://datastores/blobs/paths/sales/") },
        Outputs = new Dictionary<string, TrainingJobOutput> { ["model"] = new("https://acct.blob.core.windows.net/models/forecast/") },
        MetricsOutput = "model",
        Timeout = TimeSpan.FromHours(1),
        EnvironmentVariables = new Dictionary<string, string> { ["SERVERLESS_SEED"] = "7" },
    };

    public static TheoryData<string, Func<TrainingJobSpec, TrainingJobSpec>, string> OneProblemEach => new()
    {
        { "name", s => s with { Name = "" }, "is required" },
        { "name", s => s with { Name = "-starts-with-dash" }, "must start with a letter or digit" },
        { "name", s => s with { Name = "has.dot" }, "contains '.'" },
        { "name", s => s with { Name = new string('a', 256) }, "at most 255" },
        { "command", s => s with { Command = " " }, "is required" },
        { "command", s => s with { Command = "train\nrm -rf /" }, "single line" },
        { "arguments[2]", s => s with { Arguments = ["forecast", "--sales", "${{inputs.missing}}", "${{outputs.model}}"] }, "no input named 'missing'" },
        { "arguments[1]", s => s with { Arguments = ["${{inputs.sales}}", "${{outputs.nowhere}}", "${{outputs.model}}"] }, "no output named 'nowhere'" },
        { "arguments[0]", s => s with { Arguments = ["${{input.sales}}"] }, "malformed placeholder '${{input.sales}}'" },
        { "inputs.sales", s => s with { Inputs = new Dictionary<string, TrainingJobInput> { ["sales"] = new("") } }, "has no URI" },
        { "inputs.sales", s => s with { Inputs = new Dictionary<string, TrainingJobInput> { ["sales"] = new("ftp://host/sales") } }, "not supported" },
        { "inputs.2nd", s => s with { Inputs = new Dictionary<string, TrainingJobInput> { ["sales"] = new("azureml://x/"), ["2nd"] = new("azureml://y/") } }, "not a valid name" },
        { "outputs.model", s => s with { Outputs = new Dictionary<string, TrainingJobOutput> { ["model"] = new("http://insecure/models/") } }, "not supported" },
        { "metricsOutput", s => s with { MetricsOutput = "metrics" }, "no output of that name" },
        { "environment", s => s with { Environment = "" }, "must not be blank" },
        { "compute", s => s with { Compute = "  " }, "must not be blank" },
        { "resources.instanceCount", s => s with { Resources = new TrainingResources(0) }, "at least 1 (was 0)" },
        { "resources.instanceType", s => s with { Resources = new TrainingResources(1, "") }, "must not be blank" },
        { "timeout", s => s with { Timeout = TimeSpan.Zero }, "greater than zero (was 00:00:00)" },
        { "timeout", s => s with { Timeout = TimeSpan.FromMinutes(-5) }, "greater than zero (was -00:05:00)" },
        { "environmentVariables.1BAD", s => s with { EnvironmentVariables = new Dictionary<string, string> { ["1BAD"] = "x" } }, "not a valid variable name" },
    };

    [Fact]
    public void A_valid_spec_has_no_problems() => Assert.Empty(TrainingJobSpecValidator.Validate(Valid()));

    [Theory]
    [MemberData(nameof(OneProblemEach))]
    public void Each_rule_reports_its_field(string field, Func<TrainingJobSpec, TrainingJobSpec> breakIt, string message)
    {
        var problem = Assert.Single(TrainingJobSpecValidator.Validate(breakIt(Valid())));

        Assert.Equal(field, problem.Field);
        Assert.Contains(message, problem.Message);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var spec = Valid() with
        {
            Name = "bad name",
            Command = "",
            Arguments = ["${{inputs.nothing}}"],
            Timeout = TimeSpan.Zero,
            Resources = new TrainingResources(-1),
            MetricsOutput = "absent",
        };

        var problems = TrainingJobSpecValidator.Validate(spec);

        Assert.Equal(["arguments[0]", "command", "metricsOutput", "name", "resources.instanceCount", "timeout"], problems.Select(p => p.Field).Order());
        var error = new TrainingJobValidationException(spec.Name, problems);
        Assert.StartsWith("Training job 'bad name' is invalid (6 problems):", error.Message);
        Assert.All(problems, p => Assert.Contains(p.ToString(), error.Message));
    }

    [Fact]
    public void Null_collections_from_careless_callers_are_problems_not_crashes()
    {
        var spec = Valid() with { Arguments = null!, Inputs = null!, Outputs = null!, EnvironmentVariables = null!, Tags = null!, Resources = null! };

        var fields = TrainingJobSpecValidator.Validate(spec).Select(p => p.Field).Order();

        Assert.Equal(["arguments", "environmentVariables", "inputs", "outputs", "resources", "tags"], fields);
    }
}
