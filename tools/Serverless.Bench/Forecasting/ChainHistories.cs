using Serverless.Forecasting.Aggregation;
using Serverless.Forecasting.Configuration;
using Serverless.Forecasting.Synthetic;

namespace Serverless.Bench.Forecasting;

/// <summary>A generated chain aggregated in memory as the train step sees it: the history the config needs.</summary>
internal static class ChainHistories
{
    /// <param name="covariates">
    /// With the catalogue, weather, price plan, prices and sold-out days; without them, the shape of a
    /// user's plain <c>date,store,item,sales</c> file: sales alone.
    /// </param>
    public static IReadOnlyList<StoreHistory> Aggregate(SyntheticChain chain, DateOnly runDate, ForecastConfig config, bool covariates = true) =>
        StoreAggregator.AggregateAll(covariates ? chain.Records() : chain.Records().Select(r => r with { Price = float.NaN, StockOut = false }), runDate, new AggregationOptions
        {
            FutureDays = config.FutureDays,
            MaxHistoryDays = config.RequiredHistoryDays,
            Catalogue = covariates ? chain.Catalogue : null,
            Weather = covariates ? chain.Weather : null,
            PricePlan = covariates ? chain.BuildPricePlan() : null,
        });
}
