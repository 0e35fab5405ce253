namespace Serverless.Forecasting.Features;

/// <summary>
/// Seasonal ratios of wider groups than one series: each item over all stores, and the whole chain.
/// A series' own ratio is noisy; it is shrunk towards its item's, and the item's towards the chain's.
/// </summary>
internal abstract class LevelPool
{
    /// <summary>The item's ratios over all stores (None when the pool does not know the item or the origin).</summary>
    public abstract (LogRatio Week, LogRatio Month) Item(string item, int origin, int target);

    /// <summary>The chain's ratios over all series.</summary>
    public abstract (LogRatio Week, LogRatio Month) Chain(int origin, int target);

    /// <summary>The item's ratios shrunk towards the chain's.</summary>
    public (LogRatio Week, LogRatio Month) ItemTowardsChain(string item, int origin, int target)
    {
        var (itemWeek, itemMonth) = Item(item, origin, target);
        var (chainWeek, chainMonth) = Chain(origin, target);
        return (itemWeek.ShrinkTo(chainWeek, SeasonalRatio.ItemSpread), itemMonth.ShrinkTo(chainMonth, SeasonalRatio.ItemSpread));
    }
}
