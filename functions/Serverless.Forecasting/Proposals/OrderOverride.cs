namespace Serverless.Forecasting.Proposals;

/// <summary>
/// A person's adjustment of one store x item: either units for the whole week (spread over the
/// days in proportion to the proposed orders) or units per day of the target week.
/// </summary>
public sealed record OrderOverride(string Store, string Item, int? WeekUnits = null, IReadOnlyList<int>? DailyUnits = null, string? Reason = null)
{
    public static OrderOverride ForWeek(string store, string item, int units, string? reason = null) => new(store, item, units, null, reason);

    public static OrderOverride ForDays(string store, string item, IReadOnlyList<int> units, string? reason = null) => new(store, item, null, units, reason);
}

/// <summary>An override as applied: the orders before and after, per day.</summary>
public sealed record AppliedOverride(string Item, IReadOnlyList<int> ProposedOrders, IReadOnlyList<int> FinalOrders, string? Reason);
