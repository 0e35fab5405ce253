using Serverless.Forecasting.Aggregation;
using Serverless.Forecasting.Configuration;
using Serverless.Forecasting.Synthetic;

namespace Serverless.Bench.Forecasting;

/// <summary>A generated chain aggregated in memory as the train step sees it: the history the config needs, with catalogue, weather and price plan.</summary>
internal static class ChainHistories
{
    public static IReadOnlyList<StoreHistory> Aggregate(SyntheticChain chain, DateOnly runDate, ForecastConfig config) =>
        StoreAggregator.AggregateAll(chain.Records(), runDate, new AggregationOptions
        {
            FutureDays = config.FutureDays,
            MaxHistoryDays = config.RequiredHistoryDays,
            Catalogue = chain.Catalogue,
            Weather = chain.Weather,
            PricePlan = chain.BuildPricePlan(),
        });
}
