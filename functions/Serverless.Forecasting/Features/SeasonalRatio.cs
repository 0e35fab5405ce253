namespace Serverless.Forecasting.Features;

/// <summary>
/// A log level ratio (how much higher or lower the target's level was than the weeks before the
/// origin, in earlier years) with its sampling variance; NaN when no earlier year had the data.
/// </summary>
internal readonly record struct LogRatio(double Value, double Variance)
{
    public static readonly LogRatio None = new(double.NaN, double.NaN);

    public bool IsKnown => !double.IsNaN(Value);

    /// <summary>
    /// Shrinks towards a wider group's estimate (a series towards its item, an item towards the
    /// chain): the group's value is the prior, wider by <paramref name="spread"/> (the variance of
    /// true ratios around the group's), and each side counts by its precision.
    /// </summary>
    public LogRatio ShrinkTo(LogRatio group, double spread)
    {
        if (!IsKnown) return group;
        if (!group.IsKnown) return this;
        var own = 1 / Variance;
        var prior = 1 / (spread + group.Variance);
        return new LogRatio((Value * own + group.Value * prior) / (own + prior), 1 / (own + prior));
    }

    public float ToRatio() => IsKnown ? (float)Math.Exp(Value) : float.NaN;
}

/// <summary>Where the sums of clean sales come from: one series, or a pool of series (an item over all stores, the chain).</summary>
internal interface ILevelSource
{
    /// <summary>Sum of clean sales and number of clean days in [from, to), day numbers.</summary>
    (double Sum, int Count) Window(int from, int to);
}

/// <summary>
/// The seasonal level ratios of one target seen from one origin, from up to
/// <see cref="SeasonalWindows.Years"/> earlier years: the week around the target against the 28
/// days before the origin (a week-of-year index), and the target's calendar month against the same
/// 28 days (a month-of-year index). Years are averaged on the log scale.
/// </summary>
internal static class SeasonalRatio
{
    /// <summary>Variance of one day's log level beyond the count noise (day-to-day shocks, weather).</summary>
    private const double DailyVariance = 0.06;

    /// <summary>A year counts only with this many clean days in each window.</summary>
    private const int MinWeekDays = 4, MinMonthDays = 14, MinLevelDays = 14;

    /// <summary>Variance of a series' true log ratio around its item's (stores differ a little).</summary>
    public const double SeriesSpread = 0.10 * 0.10;

    /// <summary>Variance of an item's true log ratio around the chain's (items differ a lot).</summary>
    public const double ItemSpread = 0.25 * 0.25;

    public static (LogRatio Week, LogRatio Month) Estimate<TSource>(TSource source, int origin, int target) where TSource : ILevelSource
    {
        var week = new YearsSum();
        var month = new YearsSum();
        for (var years = 1; years <= SeasonalWindows.Years; years++)
        {
            var (levelFrom, levelTo) = SeasonalWindows.Level(origin, years);
            var level = source.Window(levelFrom, levelTo);
            if (level.Count < MinLevelDays) continue;
            var (weekFrom, weekTo) = SeasonalWindows.Week(origin, target, years);
            week.Add(source.Window(weekFrom, weekTo), level, MinWeekDays);
            var (monthFrom, monthTo) = SeasonalWindows.Month(origin, target, years);
            month.Add(source.Window(monthFrom, monthTo), level, MinMonthDays);
        }
        return (week.Mean, month.Mean);
    }

    /// <summary>Log ratios of one kind summed over the years that had the data, with their variances.</summary>
    private struct YearsSum
    {
        private double _sum, _variance;
        private int _years;

        public void Add((double Sum, int Count) window, (double Sum, int Count) level, int minimumDays)
        {
            if (window.Count < minimumDays) return;
            _sum += LogOfRatio(window, level);
            _variance += VarianceOf(window, level);
            _years++;
        }

        public readonly LogRatio Mean => _years == 0 ? LogRatio.None : new LogRatio(_sum / _years, _variance / ((double)_years * _years));
    }

    // Half a unit keeps an empty week of a slow seller from a log of zero.
    private static double LogOfRatio((double Sum, int Count) a, (double Sum, int Count) b) =>
        Math.Log((a.Sum + 0.5) / a.Count) - Math.Log((b.Sum + 0.5) / b.Count);

    private static double VarianceOf((double Sum, int Count) a, (double Sum, int Count) b) =>
        1 / (a.Sum + 0.5) + 1 / (b.Sum + 0.5) + DailyVariance / a.Count + DailyVariance / b.Count;
}
