namespace Serverless.Forecasting.Synthetic;

/// <summary>
/// Month-of-year multiplicative seasonality and a yearly trend, on top of what the chain already
/// has (temperature, holidays, promotions, growth). Each month has a demand factor; near the end of
/// a month the factor moves to the next month's over <see cref="TransitionDays"/> days, so a drop
/// into December starts in late November and recurs every year. Items and stores differ in how deep
/// they swing, so a series' own seasonal pattern is close to, but not the same as, its item's.
/// </summary>
public sealed record SeasonalityOptions
{
    /// <summary>
    /// A retail year with a late-November/December drop of about 25% that eases from January to
    /// March, and a slight summer lift: the built-in option of the backtest benchmark.
    /// </summary>
    public static SeasonalityOptions WinterDrop => new();

    /// <summary>Demand factor of each calendar month, January first (1 = no change).</summary>
    public IReadOnlyList<double> MonthFactors { get; init; } = [0.80, 0.85, 0.95, 1.0, 1.0, 1.0, 1.04, 1.04, 1.0, 1.0, 1.0, 0.75];

    /// <summary>Days before the 1st over which the factor moves to the new month's (0: a step on the 1st).</summary>
    public int TransitionDays { get; init; } = 7;

    /// <summary>Chain-wide trend: demand multiplies by 1 + this every year (0.04 = 4% a year).</summary>
    public double YearlyTrend { get; init; } = 0.04;

    /// <summary>Each item's seasonal swing (on the log scale) is scaled by a factor drawn from [1 - v, 1 + v].</summary>
    public double ItemVariation { get; init; } = 0.3;

    /// <summary>Each store's swing is scaled again by a factor drawn from [1 - v, 1 + v].</summary>
    public double StoreVariation { get; init; } = 0.1;

    public void Validate()
    {
        if (MonthFactors is null || MonthFactors.Count != 12)
            throw new ArgumentException($"Seasonality.MonthFactors must have 12 values (January first), found {MonthFactors?.Count ?? 0}.");
        for (var m = 0; m < 12; m++)
        {
            if (!double.IsFinite(MonthFactors[m]) || MonthFactors[m] <= 0)
                throw new ArgumentException($"Seasonality.MonthFactors[{m}] (month {m + 1}) must be a positive number, found {MonthFactors[m]}.");
        }
        if (TransitionDays is < 0 or > 27) throw new ArgumentException($"Seasonality.TransitionDays must be in [0, 27], found {TransitionDays}.");
        if (!double.IsFinite(YearlyTrend) || YearlyTrend <= -1) throw new ArgumentException($"Seasonality.YearlyTrend must be above -1, found {YearlyTrend}.");
        if (ItemVariation is < 0 or >= 1 || double.IsNaN(ItemVariation)) throw new ArgumentException($"Seasonality.ItemVariation must be in [0, 1), found {ItemVariation}.");
        if (StoreVariation is < 0 or >= 1 || double.IsNaN(StoreVariation)) throw new ArgumentException($"Seasonality.StoreVariation must be in [0, 1), found {StoreVariation}.");
    }

    /// <summary>The chain-wide log factor of a day (before item and store depth), transitions included.</summary>
    public double LogFactor(DateOnly date)
    {
        var current = Math.Log(MonthFactors[date.Month - 1]);
        if (TransitionDays == 0) return current;
        var nextMonth = new DateOnly(date.Year, date.Month, 1).AddMonths(1);
        var daysLeft = nextMonth.DayNumber - date.DayNumber;  // 1 on the last day of the month
        if (daysLeft > TransitionDays) return current;
        var next = Math.Log(MonthFactors[nextMonth.Month - 1]);
        var weight = (double)(TransitionDays - daysLeft + 1) / (TransitionDays + 1);
        return (1 - weight) * current + weight * next;
    }

    /// <summary>
    /// The days on which a transition of at least <paramref name="minimumChange"/> (relative) starts
    /// between <paramref name="from"/> and <paramref name="to"/> (inclusive): where the built-in
    /// backtest looks for weeks after a shift.
    /// </summary>
    public IReadOnlyList<DateOnly> ShiftStarts(DateOnly from, DateOnly to, double minimumChange = 0.1)
    {
        var starts = new List<DateOnly>();
        for (var month = new DateOnly(from.Year, from.Month, 1); month <= to.AddMonths(1); month = month.AddMonths(1))
        {
            var before = MonthFactors[month.AddMonths(-1).Month - 1];
            var after = MonthFactors[month.Month - 1];
            if (Math.Abs(after / before - 1) < minimumChange) continue;
            var start = month.AddDays(-TransitionDays);
            if (start >= from && start <= to) starts.Add(start);
        }
        return starts;
    }
}
