using Serverless.Experiments.Definitions;

namespace Serverless.Experiments.Tests;

public class DefinitionLoaderTests
{
    private const string Valid = """
        {
          "experiments": [
            {
              "id": "ranker-2026-11",
              "control": "als-v1",
              "primaryMetric": "conversion",
              "mode": "thompson",
              "minimumExposurePerVariant": 1000,
              "floorWeight": 0.05,
              "maxWeightStep": 0.1,
              "start": "2026-11-01T00:00:00Z",
              "stop": "2026-12-01T00:00:00Z",
              "variants": [
                { "id": "als-v1", "weight": 0.5, "parameters": { "model": "als/v1" } },
                { "id": "als-v2", "weight": 0.5, "parameters": { "model": "als/v2" } }
              ]
            }
          ]
        }
        """;

    [Fact]
    public void Loads_a_configuration_file()
    {
        var definition = Assert.Single(ExperimentDefinitionLoader.Load(Valid, "experiments.json"));
        Assert.Equal("ranker-2026-11", definition.Id);
        Assert.Equal(AllocationMode.ThompsonSampling, definition.Mode);
        Assert.Equal(PrimaryMetric.Conversion, definition.PrimaryMetric);
        Assert.Equal(0, definition.ControlIndex);
        Assert.Equal(1, definition.IndexOfVariant("als-v2"));
        Assert.Equal("als/v2", definition.Variants[1].Parameters["model"]);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), definition.Stop);
        Assert.Equal(0.05, definition.FloorWeight);
        Assert.Equal(1000, definition.MinimumExposurePerVariant);
    }

    [Fact]
    public void Loads_a_single_object_as_an_http_body()
    {
        var body = """{"id":"x","control":"a","start":"2026-11-01T00:00:00Z","variants":[{"id":"a","weight":0.3},{"id":"b","weight":0.7}]}""";
        var definition = ExperimentDefinitionLoader.LoadOne(body, "HTTP body");
        Assert.Equal(AllocationMode.FixedSplit, definition.Mode);
        Assert.Null(definition.Stop);
        Assert.Equal(0.7, definition.InitialWeights.WeightOf("b"), 1e-12);
    }

    [Theory]
    [InlineData("\"weight\": 0.5, \"parameters\": { \"model\": \"als/v2\" }", "\"weight\": 0.6, \"parameters\": { \"model\": \"als/v2\" }", "$.experiments[0].variants", "sum to 1")]
    [InlineData("\"control\": \"als-v1\"", "\"control\": \"als-v9\"", "$.experiments[0].control", "unknown control variant 'als-v9'")]
    [InlineData("{ \"id\": \"als-v2\"", "{ \"id\": \"als-v1\"", "$.experiments[0].variants[1].id", "duplicate variant id 'als-v1'")]
    [InlineData("\"stop\": \"2026-12-01T00:00:00Z\"", "\"stop\": \"2026-10-01T00:00:00Z\"", "$.experiments[0].stop", "is not after start")]
    [InlineData("\"floorWeight\": 0.05", "\"floorWeight\": 0.6", "$.experiments[0].floorWeight", "exceeds 1")]
    [InlineData("\"mode\": \"thompson\"", "\"mode\": \"greedy\"", "$.experiments[0].mode", "unknown mode 'greedy'")]
    [InlineData("\"maxWeightStep\": 0.1", "\"maxWeightStep\": 0", "$.experiments[0].maxWeightStep", "max weight step")]
    [InlineData("\"maxWeightStep\": 0.1", "\"maxWeightStep\": \"big\"", "$.experiments[0].maxWeightStep", "could not be converted")]
    [InlineData("\"floorWeight\": 0.05", "\"floorWeigth\": 0.05", "$.experiments[0].floorWeigth", "could not be mapped")]
    public void Reports_each_rule_with_file_line_and_field(string find, string replace, string field, string message)
    {
        var json = Valid.Replace(find, replace, StringComparison.Ordinal);
        Assert.NotEqual(Valid, json);
        var error = Assert.Single(Assert.Throws<ExperimentDefinitionException>(() => ExperimentDefinitionLoader.Load(json, "experiments.json")).Errors);
        Assert.Equal("experiments.json", error.Source);
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        var expectedLine = ExpectedLine(json, field);
        Assert.Equal(expectedLine, error.Line);
        Assert.Contains($"experiments.json line {expectedLine}, field '{field}'", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Lists_every_problem_at_once()
    {
        var json = """[{"id":"a","control":"z","start":"2026-11-01T00:00:00Z","floorWeight":0.7,"variants":[{"id":"x","weight":0.5},{"id":"x","weight":0.2}]}]""";
        var errors = Assert.Throws<ExperimentDefinitionException>(() => ExperimentDefinitionLoader.Load(json, "body")).Errors;
        Assert.Contains(errors, e => e.Message.Contains("duplicate variant id", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Message.Contains("sum to 1", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Message.Contains("unknown control", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Message.Contains("exceeds 1", StringComparison.Ordinal));
    }

    [Fact]
    public void Malformed_json_names_the_line()
    {
        var error = Assert.Single(Assert.Throws<ExperimentDefinitionException>(() =>
            ExperimentDefinitionLoader.Load("{\n  \"id\": \"a\",\n  \"control\": \n}", "bad.json")).Errors);
        Assert.Equal(4, error.Line);
        Assert.Contains("malformed JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_required_fields_are_named()
    {
        var errors = Assert.Throws<ExperimentDefinitionException>(() => ExperimentDefinitionLoader.Load("""{"variants":[]}""", "body")).Errors;
        Assert.Contains(errors, e => e.Field == "$.id");
        Assert.Contains(errors, e => e.Field == "$.control");
        Assert.Contains(errors, e => e.Field == "$.start");
    }

    [Fact]
    public void Duplicate_experiment_ids_are_refused()
    {
        var one = """{"id":"a","control":"x","start":"2026-11-01T00:00:00Z","variants":[{"id":"x","weight":0.5},{"id":"y","weight":0.5}]}""";
        var error = Assert.Single(Assert.Throws<ExperimentDefinitionException>(() => ExperimentDefinitionLoader.Load($"[{one},\n{one}]", "body")).Errors);
        Assert.Equal("$[1].id", error.Field);
        Assert.Equal(2, error.Line);
    }

    [Fact]
    public void A_bandit_weight_below_the_floor_is_refused()
    {
        var ex = Assert.Throws<ExperimentDefinitionException>(() => Fixtures.Experiment(variants: 2, mode: AllocationMode.ThompsonSampling, weights: [0.98, 0.02], floor: 0.05));
        Assert.Contains("below the floor", ex.Message, StringComparison.Ordinal);
    }

    private static int ExpectedLine(string json, string field)
    {
        // The line of the property the field path ends in (or, for an array path, the line of its property).
        var name = field[(field.LastIndexOf('.') + 1)..];
        var bracket = name.IndexOf('[');
        if (bracket >= 0) name = name[..bracket];
        var lines = json.Split('\n');
        if (field.EndsWith("variants[1].id", StringComparison.Ordinal))
        {
            return lines.Select((l, i) => (l, i)).Where(p => p.l.Contains("\"id\": \"als-v", StringComparison.Ordinal)).ElementAt(1).i + 1;
        }
        return lines.Select((l, i) => (l, i)).First(p => p.l.Contains($"\"{name}\"", StringComparison.Ordinal)).i + 1;
    }
}
