using System.Text.Json;
using Serverless.Forecasting.Aggregation;
using Serverless.Forecasting.Configuration;
using Serverless.Forecasting.Modeling;
using Serverless.Forecasting.Synthetic;

namespace Serverless.Trainer.Tests;

public sealed class ForecastTrainingTests : IDisposable
{
    private static readonly DateOnly RunDate = new(2024, 6, 1);

    private static readonly ForecastConfig SmallConfig = new()
    {
        Model = new ModelSettings { Iterations = 30, Leaves = 15, MinExamplesPerLeaf = 20, TrainingWindowDays = 150 },
        Backtest = new BacktestSettings { Origins = 2, CalibrationOrigins = 1, CalibrationBuckets = 3 },
    };

    private static readonly Lazy<IReadOnlyList<StoreHistory>> LazyHistories = new(() =>
    {
        var chain = ChainGenerator.Generate(new GeneratorOptions { Seed = 5, Start = new DateOnly(2022, 7, 1), End = RunDate.AddDays(-1), StoreCount = 2, ItemCount = 5 });
        return StoreAggregator.AggregateAll(chain.Records().ToList(), RunDate, new AggregationOptions
        {
            FutureDays = SmallConfig.FutureDays,
            MaxHistoryDays = SmallConfig.RequiredHistoryDays,
            Catalogue = chain.Catalogue,
            Weather = chain.Weather,
            PricePlan = chain.BuildPricePlan(),
        });
    });

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string WriteAggregates()
    {
        var folder = _temp.Combine("aggregates");
        Directory.CreateDirectory(folder);
        foreach (var history in LazyHistories.Value)
        {
            File.WriteAllBytes(Path.Combine(folder, $"{history.StoreId}.bin"), StoreHistorySerializer.ToBytes(history));
        }
        return folder;
    }

    [Fact]
    public async Task The_trainer_gives_the_in_process_model_and_writes_its_backtest_as_metrics()
    {
        var aggregates = WriteAggregates();
        var config = _temp.Write("forecast.json", SmallConfig.ToJson());
        var output = _temp.Combine("model");
        var log = new StringWriter();

        var code = await TrainerCommandLine.RunAsync(["forecast", "--aggregates", aggregates, "--config", config, "--output", output, "--code-version", "test"], log, log);

        Assert.True(code == 0, log.ToString());
        var inProcess = ForecastTrainer.Train(LazyHistories.Value, ForecastConfig.Parse(SmallConfig.ToJson(), "config"), "test");
        ForecastModel written;
        using (var stream = File.OpenRead(Path.Combine(output, ForecastTraining.ModelFileName))) written = ForecastModel.Load(stream);
        Assert.Equal(inProcess.Version, written.Version);
        Assert.Equal(inProcess.ToBytes(), written.ToBytes());

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")));
        Assert.Equal(inProcess.Info.Backtest.Model.Wape, metrics.RootElement.GetProperty("metrics").GetProperty("model.wape").GetDouble(), 12);
        Assert.Equal(inProcess.Method, metrics.RootElement.GetProperty("facts").GetProperty("method").GetString());
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, TrainerManifest.FileName)));
        Assert.Equal(inProcess.Info.TrainingDataHash, manifest.RootElement.GetProperty("dataHash").GetString());
        Assert.Equal("test", manifest.RootElement.GetProperty("codeVersion").GetString());
        Assert.Equal(3, manifest.RootElement.GetProperty("inputs").EnumerateObject().Count());
    }

    [Fact]
    public async Task A_file_that_is_not_a_store_history_exits_2_naming_it()
    {
        var bogus = _temp.Write("aggregates/S01.bin", "not a history");
        var error = new StringWriter();

        var code = await TrainerCommandLine.RunAsync(["forecast", "--aggregates", bogus, "--output", _temp.Combine("m")], TextWriter.Null, error);

        Assert.Equal(2, code);
        Assert.Contains($"{bogus}: --aggregates: not a store history", error.ToString());
    }

    [Fact]
    public async Task A_config_naming_an_unknown_store_exits_2_with_the_config_error()
    {
        var aggregates = WriteAggregates();
        var config = _temp.Write("forecast.json", (SmallConfig with { Stores = ["S99"] }).ToJson());
        var error = new StringWriter();

        var code = await TrainerCommandLine.RunAsync(["forecast", "--aggregates", aggregates, "--config", config, "--output", _temp.Combine("m")], TextWriter.Null, error);

        Assert.Equal(2, code);
        Assert.Contains("S99", error.ToString());
    }
}
