namespace Serverless.Forecasting.Data;

/// <summary>
/// Planned shelf prices for coming days (promotions are planned weeks ahead), so the forecast of
/// the target week can see them. Days without a plan keep the last known price.
/// </summary>
public sealed class PricePlan
{
    private readonly Dictionary<(string Store, string Item, DateOnly Date), float> _prices = new();

    public static PricePlan Empty { get; } = new();

    public int Count => _prices.Count;

    public void Set(string store, string item, DateOnly date, float price) => _prices[(store, item, date)] = price;

    public bool TryGet(string store, string item, DateOnly date, out float price) =>
        _prices.TryGetValue((store, item, date), out price);

    /// <summary>Builds a plan from rows of the sales shape (the sales column is ignored).</summary>
    public static PricePlan FromRecords(IEnumerable<SalesRecord> records)
    {
        var plan = new PricePlan();
        foreach (var r in records)
        {
            if (!float.IsNaN(r.Price)) plan.Set(r.Store, r.Item, r.Date, r.Price);
        }
        return plan;
    }
}
