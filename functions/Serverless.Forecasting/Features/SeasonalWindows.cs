namespace Serverless.Forecasting.Features;

/// <summary>
/// The windows, in earlier years, that tell how the level moved from the weeks before an origin to
/// its target: the 28 days before the origin, the week around the target and the target's calendar
/// month, each shifted back by whole years. All are day numbers (<see cref="DateOnly.DayNumber"/>),
/// half-open, and clamped to end at the origin, so no window can read a day on or after it whatever
/// the lead time.
/// </summary>
internal static class SeasonalWindows
{
    /// <summary>Earlier years read: enough to average out one odd year, few enough to keep the history short.</summary>
    public const int Years = 3;

    /// <summary>Days back for <paramref name="years"/> years, a whole number of weeks so weekdays line up.</summary>
    public static int Lag(int years) => 7 * (int)Math.Round(years * 365.2425 / 7);

    /// <summary>The longest look-back of these windows before an origin.</summary>
    public static int LongestLookBack => Lag(Years) + FeatureSet.LevelDays + 7;

    /// <summary>The level window <paramref name="years"/> years earlier: the 28 days before the origin, shifted back.</summary>
    public static (int From, int To) Level(int origin, int years) =>
        Clamp(origin - Lag(years) - FeatureSet.LevelDays, origin - Lag(years), origin);

    /// <summary>The 7 days centred on the target, <paramref name="years"/> years earlier.</summary>
    public static (int From, int To) Week(int origin, int target, int years) =>
        Clamp(target - Lag(years) - 3, target - Lag(years) + 4, origin);

    /// <summary>The target's calendar month, <paramref name="years"/> years earlier.</summary>
    public static (int From, int To) Month(int origin, int target, int years)
    {
        var date = DateOnly.FromDayNumber(target);
        if (date.Year - years < 1) return (origin, origin);
        var start = new DateOnly(date.Year - years, date.Month, 1);
        return Clamp(start.DayNumber, start.AddMonths(1).DayNumber, origin);
    }

    private static (int From, int To) Clamp(int from, int to, int origin) => (Math.Min(from, origin), Math.Min(to, origin));
}
