using Serverless.Forecasting.Calendar;

namespace Serverless.Forecasting.Features;

/// <summary>
/// The model's features for one target day seen from one forecast origin.
///
/// Multi-step strategy: direct, with the horizon as a feature. Every row is "as of" an origin
/// (the run date, or a past date playing that role in training), and every feature built from
/// sales reads only days strictly before that origin; the target day itself may be up to
/// lead + horizon - 1 days ahead. So one global model serves all days of the target week without
/// feeding predictions back in, and the most recent week before the run date is still used.
/// Known-ahead covariates (calendar, holidays, planned price, temperature as a forecast) are read
/// at the target day.
///
/// Sales features are ratios to the series' recent level, so one model fits stores and items of
/// very different volume; the target is the same ratio.
/// </summary>
internal static class FeatureSet
{
    /// <summary>Bump when features change: a saved model only works with its own feature set.</summary>
    public const string Version = "fs-2";

    public static readonly string[] Names =
    [
        "horizon", "weekday", "dayOfYear", "holidayKind", "offDay", "offDayNext", "offDayPrevious",
        "item", "category", "region", "storeSize",
        "logLevel", "last7Ratio", "sameWeekdayLastRatio", "sameWeekdayMean4Ratio", "weekdayRatio8", "offDayRatio8",
        "trend", "yearAgoRatio", "seasonWeekRatio", "seasonMonthRatio",
        "priceRatio", "levelPriceRatio", "sameWeekdayPriceRatio", "promotionLastWeek",
        "temperature", "temperatureChange",
    ];

    public static int Count => Names.Length;

    public const int LevelDays = 28;

    /// <summary>A row needs this many clean days in the level window.</summary>
    public const int MinLevelDays = 7;

    /// <summary>Days before an origin the features read: the seasonal windows of earlier years, or 8 weeks of weekday profile.</summary>
    public static int LookBackDays => Math.Max(SeasonalWindows.LongestLookBack, 56);

    /// <summary>
    /// Fills <paramref name="features"/> for <paramref name="target"/> as of <paramref name="origin"/>.
    /// Returns false (and a zero scale) when the series has too little clean history before the origin.
    /// <paramref name="scale"/> is the level the target is divided by. <paramref name="pool"/> gives
    /// the item's and the chain's seasonal ratios the series' own are shrunk towards (without it, the
    /// series' own stand alone).
    /// </summary>
    public static bool TryBuild(SeriesWindow s, FeatureVocabulary vocabulary, LevelPool? pool, int origin, int target, Span<float> features, out float scale)
    {
        scale = 0;
        if (s.CleanDays(origin - LevelDays, origin) < MinLevelDays) return false;
        var history = s.History;
        var calendar = JapaneseHolidayCalendar.Instance;
        var date = history.DateOf(target);
        var level = s.CleanMean(origin - LevelDays, origin);
        scale = (float)Math.Max(level, 1.0);

        var f = 0;
        features[f++] = target - origin;
        features[f++] = ((int)date.DayOfWeek + 6) % 7;
        features[f++] = date.DayOfYear;
        features[f++] = (float)calendar.Classify(date);
        features[f++] = calendar.IsOffDay(date) ? 1 : 0;
        features[f++] = calendar.IsOffDay(date.AddDays(1)) ? 1 : 0;
        features[f++] = calendar.IsOffDay(date.AddDays(-1)) ? 1 : 0;

        features[f++] = vocabulary.ItemCode(s.ItemId);
        features[f++] = vocabulary.CategoryCode(history.Categories[s.Item]);
        features[f++] = vocabulary.RegionCode(history.Region);
        features[f++] = history.Size;

        features[f++] = (float)Math.Log(1 + level);
        features[f++] = Ratio(s.CleanMean(origin - 7, origin), scale);
        features[f++] = Ratio(NaiveBaselines.SameWeekday(s, origin, target, 1), scale);
        features[f++] = Ratio(NaiveBaselines.SameWeekday(s, origin, target, 4), scale);
        features[f++] = WeekdayRatio(s, origin, target);
        features[f++] = OffDayRatio(s, origin, calendar);

        features[f++] = Ratio(level, s.CleanMean(origin - 2 * LevelDays, origin - LevelDays));
        features[f++] = YearAgoRatio(s, origin, target);
        var (seasonWeek, seasonMonth) = SeasonalRatios(s, pool, origin, target);
        features[f++] = seasonWeek;
        features[f++] = seasonMonth;

        var prices = history.Prices(s.Item);
        var reference = ReferencePrice(prices, origin);
        features[f++] = Ratio(prices[target], reference);
        features[f++] = Ratio(MeanPrice(prices, origin - LevelDays, origin), reference);
        features[f++] = Ratio(SameWeekdayPrice(prices, origin, target), reference);
        features[f++] = DiscountedShare(prices, target - 7, target, reference);

        var temperature = history.Temperature;
        features[f++] = temperature[target];
        features[f++] = (float)(temperature[target] - MeanOf(temperature, origin - LevelDays, origin));
        return true;
    }

    private static float Ratio(double value, double denominator) =>
        double.IsNaN(value) || double.IsNaN(denominator) || denominator <= 0 ? float.NaN : (float)(value / denominator);

    /// <summary>The last 8 same weekdays against the last 8 weeks: the series' own weekday profile.</summary>
    private static float WeekdayRatio(SeriesWindow s, int origin, int target)
    {
        var day = NaiveBaselines.LatestSameWeekday(origin, target);
        double sum = 0;
        var count = 0;
        for (var w = 0; w < 8; w++, day -= 7)
        {
            if (!s.IsClean(day)) continue;
            sum += s.Recorded(day);
            count++;
        }
        return count < 3 ? float.NaN : Ratio(sum / count, s.CleanMean(origin - 56, origin));
    }

    /// <summary>How off-days (weekends, holidays) sell against the last 8 weeks: residential vs business stores.</summary>
    private static float OffDayRatio(SeriesWindow s, int origin, JapaneseHolidayCalendar calendar)
    {
        double off = 0;
        var offCount = 0;
        for (var day = origin - 56; day < origin; day++)
        {
            if (!s.IsClean(day) || !calendar.IsOffDay(s.History.DateOf(day))) continue;
            off += s.Recorded(day);
            offCount++;
        }
        return offCount < 4 ? float.NaN : Ratio(off / offCount, s.CleanMean(origin - 56, origin));
    }

    /// <summary>
    /// Last year's movement from the level window to the target week: the week around the target
    /// a year (52 weeks) earlier against the level window a year earlier. Both end long before the origin.
    /// </summary>
    private static float YearAgoRatio(SeriesWindow s, int origin, int target)
    {
        const int year = 364;
        var around = s.CleanMean(target - year - 3, target - year + 4);
        var then = s.CleanMean(origin - year - LevelDays, origin - year);
        return Ratio(around, then);
    }

    /// <summary>
    /// How the level moved from the weeks before the origin to the target week (and to the target's
    /// month) in earlier years: the series' own estimate, shrunk towards its item's over all stores,
    /// which is shrunk towards the chain's. Every window ends at the origin.
    /// </summary>
    private static (float Week, float Month) SeasonalRatios(SeriesWindow s, LevelPool? pool, int origin, int target)
    {
        var start = s.History.Start.DayNumber;
        var (week, month) = SeasonalRatio.Estimate(new SeriesLevels(s), start + origin, start + target);
        if (pool is not null)
        {
            var (itemWeek, itemMonth) = pool.ItemTowardsChain(s.ItemId, start + origin, start + target);
            week = week.ShrinkTo(itemWeek, SeasonalRatio.SeriesSpread);
            month = month.ShrinkTo(itemMonth, SeasonalRatio.SeriesSpread);
        }
        return (week.ToRatio(), month.ToRatio());
    }

    /// <summary>One series' clean sales as a level source on day numbers.</summary>
    private readonly struct SeriesLevels(SeriesWindow s) : ILevelSource
    {
        public (double Sum, int Count) Window(int from, int to)
        {
            var start = s.History.Start.DayNumber;
            return s.CleanWindow(from - start, to - start);
        }
    }

    /// <summary>The regular (undiscounted) price: the highest price in the level window.</summary>
    private static double ReferencePrice(ReadOnlySpan<float> prices, int origin)
    {
        var max = double.NaN;
        for (var d = Math.Max(0, origin - LevelDays); d < origin; d++)
        {
            if (float.IsNaN(prices[d])) continue;
            if (double.IsNaN(max) || prices[d] > max) max = prices[d];
        }
        return max;
    }

    private static double MeanPrice(ReadOnlySpan<float> prices, int from, int to) => MeanOf(prices, from, to);

    private static double SameWeekdayPrice(ReadOnlySpan<float> prices, int origin, int target)
    {
        var day = NaiveBaselines.LatestSameWeekday(origin, target);
        double sum = 0;
        var count = 0;
        for (var w = 0; w < 4; w++, day -= 7)
        {
            if (day < 0 || float.IsNaN(prices[day])) continue;
            sum += prices[day];
            count++;
        }
        return count == 0 ? double.NaN : sum / count;
    }

    /// <summary>Share of days in [from, to) priced clearly below the reference: a promotion just before the target.</summary>
    private static float DiscountedShare(ReadOnlySpan<float> prices, int from, int to, double reference)
    {
        if (double.IsNaN(reference)) return float.NaN;
        var count = 0;
        var discounted = 0;
        for (var d = Math.Max(0, from); d < to; d++)
        {
            if (float.IsNaN(prices[d])) continue;
            count++;
            if (prices[d] < 0.97 * reference) discounted++;
        }
        return count == 0 ? float.NaN : (float)discounted / count;
    }

    private static double MeanOf(ReadOnlySpan<float> values, int from, int to)
    {
        double sum = 0;
        var count = 0;
        for (var d = Math.Max(0, from); d < Math.Min(to, values.Length); d++)
        {
            if (float.IsNaN(values[d])) continue;
            sum += values[d];
            count++;
        }
        return count == 0 ? double.NaN : sum / count;
    }
}
