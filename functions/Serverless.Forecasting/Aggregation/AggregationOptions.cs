using Serverless.Forecasting.Data;
using Serverless.Forecasting.Import;

namespace Serverless.Forecasting.Aggregation;

/// <summary>What the aggregation may add to the sales rows, and how much history it keeps.</summary>
public sealed record AggregationOptions
{
    /// <summary>Days of covariates kept after the run date: lead time plus horizon.</summary>
    public int FutureDays { get; init; } = 9;

    /// <summary>Keep only this many days before the run date (null keeps everything).</summary>
    public int? MaxHistoryDays { get; init; }

    /// <summary>Regions, sizes and categories; optional.</summary>
    public Catalogue? Catalogue { get; init; }

    /// <summary>Temperature by region; optional.</summary>
    public WeatherTable? Weather { get; init; }

    /// <summary>Planned prices after the run date; optional (otherwise the last price carries on).</summary>
    public PricePlan? PricePlan { get; init; }

    /// <summary>Days known to have sold out, when the source has them.</summary>
    public StockoutDays? Stockouts { get; init; }
}
