using Serverless.Forecasting.Configuration;

namespace Serverless.Forecasting.Tests;

public class ConfigTests
{
    [Fact]
    public void Defaults_match_the_product()
    {
        var config = ForecastConfig.Default;
        Assert.Equal((2, 7, 0.95), (config.LeadTimeDays, config.HorizonDays, config.ServiceLevel));
        Assert.Empty(config.Stores);
        Assert.Equal(8, config.Backtest.Origins);
        Assert.Equal(DeadlinePolicy.AutoApproveWhenClean, config.Review.DeadlinePolicy);
        Assert.Empty(config.Validate(["S01"]));
    }

    [Fact]
    public void Loads_a_json_file_with_camel_case_names_and_round_trips()
    {
        var path = Path.Combine(Path.GetTempPath(), $"forecast-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """
            {
              // comments are allowed
              "leadTimeDays": 3,
              "serviceLevel": 0.9,
              "stores": ["S01", "S02"],
              "model": { "trainer": "FastTree", "iterations": 50, "trainingWindowDays": 365, "seed": 7 },
              "backtest": { "origins": 10 },
              "review": { "maxRatioToRecent": 3, "deadlineHours": 12, "deadlinePolicy": "AlwaysHold" }
            }
            """);
        try
        {
            var config = ForecastConfig.Load(path, ["S01", "S02", "S03"]);
            Assert.Equal((3, 7, 0.9), (config.LeadTimeDays, config.HorizonDays, config.ServiceLevel));
            Assert.Equal(["S01", "S02"], config.Stores);
            Assert.Equal((TrainerKind.FastTree, 50, 365, 7, 31), (config.Model.Trainer, config.Model.Iterations, config.Model.TrainingWindowDays, config.Model.Seed, config.Model.Leaves));
            Assert.Equal(10, config.Backtest.Origins);
            Assert.Equal((3.0, 12.0, DeadlinePolicy.AlwaysHold), (config.Review.MaxRatioToRecent, config.Review.DeadlineHours, config.Review.DeadlinePolicy));
            Assert.Equal(config, ForecastConfig.Parse(config.ToJson(), "copy"), new JsonEquality<ForecastConfig>());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("""{ "serviceLevel": 1.0 }""", "serviceLevel")]
    [InlineData("""{ "serviceLevel": 0 }""", "serviceLevel")]
    [InlineData("""{ "horizonDays": 0 }""", "horizonDays")]
    [InlineData("""{ "leadTimeDays": -1 }""", "leadTimeDays")]
    [InlineData("""{ "model": { "leaves": 1 } }""", "model.leaves")]
    [InlineData("""{ "model": { "learningRate": 0 } }""", "model.learningRate")]
    [InlineData("""{ "backtest": { "origins": 0 } }""", "backtest.origins")]
    [InlineData("""{ "review": { "maxRatioToRecent": 0.5 } }""", "review.maxRatioToRecent")]
    [InlineData("""{ "stores": ["S01", "S09"] }""", "stores")]
    public void Invalid_values_are_reported_with_their_field(string json, string field)
    {
        var config = ForecastConfig.Parse(json, "forecast.json");
        var error = Assert.Throws<ForecastConfigException>(() => config.EnsureValid("forecast.json", ["S01", "S02"]));
        var message = Assert.Single(error.Errors);
        Assert.StartsWith($"forecast.json: field '{field}':", message);
    }

    [Fact]
    public void Unknown_stores_are_named()
    {
        var config = ForecastConfig.Default with { Stores = ["S01", "X9"] };
        var error = Assert.Single(config.Validate(["S01", "S02"]));
        Assert.Contains("unknown store(s) 'X9'", error);
    }

    [Fact]
    public void Syntax_errors_unknown_fields_and_wrong_types_name_the_line()
    {
        var typo = Assert.Throws<ForecastConfigException>(() => ForecastConfig.Parse("{\n  \"leadTime\": 2\n}", "forecast.json"));
        Assert.StartsWith("forecast.json: line 2:", Assert.Single(typo.Errors));
        Assert.Contains("leadTime", typo.Message);
        var type = Assert.Throws<ForecastConfigException>(() => ForecastConfig.Parse("{\n\n  \"horizonDays\": \"seven\"\n}", "forecast.json"));
        Assert.StartsWith("forecast.json: line 3: field 'horizonDays':", Assert.Single(type.Errors));
        var policy = Assert.Throws<ForecastConfigException>(() => ForecastConfig.Parse("{ \"review\": { \"deadlinePolicy\": \"Sometimes\" } }", "forecast.json"));
        Assert.Contains("review.deadlinePolicy", policy.Message);
    }
}
