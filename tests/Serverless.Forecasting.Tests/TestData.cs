using Serverless.Forecasting.Aggregation;
using Serverless.Forecasting.Configuration;
using Serverless.Forecasting.Data;
using Serverless.Forecasting.Synthetic;

namespace Serverless.Forecasting.Tests;

/// <summary>A small synthetic chain and a small model config, so tests train in well under a second.</summary>
internal static class TestData
{
    public static readonly DateOnly End = new(2024, 5, 31);

    public static readonly DateOnly RunDate = End.AddDays(1);

    public static readonly ForecastConfig SmallConfig = new()
    {
        Model = new ModelSettings { Iterations = 40, Leaves = 15, MinExamplesPerLeaf = 20, TrainingWindowDays = 180 },
        Backtest = new BacktestSettings { Origins = 2, CalibrationOrigins = 1, CalibrationBuckets = 3 },
    };

    private static readonly Lazy<SyntheticChain> LazyChain = new(() => ChainGenerator.Generate(new GeneratorOptions
    {
        Seed = 7,
        Start = new DateOnly(2022, 6, 1),
        End = End,
        StoreCount = 3,
        ItemCount = 8,
    }));

    private static readonly Lazy<IReadOnlyList<SalesRecord>> LazyRecords = new(() => Chain.Records().ToList());

    public static SyntheticChain Chain => LazyChain.Value;

    public static IReadOnlyList<SalesRecord> Records => LazyRecords.Value;

    public static AggregationOptions Options(ForecastConfig? config = null) => new()
    {
        FutureDays = (config ?? SmallConfig).FutureDays,
        MaxHistoryDays = (config ?? SmallConfig).RequiredHistoryDays,
        Catalogue = Chain.Catalogue,
        Weather = Chain.Weather,
        PricePlan = Chain.BuildPricePlan(),
    };

    public static IReadOnlyList<StoreHistory> Histories(IEnumerable<SalesRecord>? records = null) =>
        StoreAggregator.AggregateAll(records ?? Records, RunDate, Options());
}
