namespace Serverless.Forecasting.Features;

/// <summary>The two rules a store manager would use, each a fair benchmark for the model.</summary>
public enum NaiveBaseline
{
    /// <summary>The same weekday in the latest week with data: the last observed Monday for a Monday.</summary>
    SameWeekdayLastWeek,

    /// <summary>The mean of the last four observed same weekdays.</summary>
    MeanOfLastFourSameWeekdays,
}

/// <summary>Point forecasts of the naive rules, from recorded sales strictly before the origin.</summary>
internal static class NaiveBaselines
{
    public static readonly NaiveBaseline[] All = [NaiveBaseline.SameWeekdayLastWeek, NaiveBaseline.MeanOfLastFourSameWeekdays];

    public static string NameOf(NaiveBaseline baseline) => baseline switch
    {
        NaiveBaseline.SameWeekdayLastWeek => "same-weekday-last-week",
        NaiveBaseline.MeanOfLastFourSameWeekdays => "mean-of-last-4-same-weekdays",
        _ => throw new ArgumentOutOfRangeException(nameof(baseline)),
    };

    public static double Forecast(NaiveBaseline baseline, SeriesWindow series, int origin, int target) => baseline switch
    {
        NaiveBaseline.SameWeekdayLastWeek => SameWeekday(series, origin, target, weeks: 1),
        NaiveBaseline.MeanOfLastFourSameWeekdays => SameWeekday(series, origin, target, weeks: 4),
        _ => throw new ArgumentOutOfRangeException(nameof(baseline)),
    };

    /// <summary>Mean of the last <paramref name="weeks"/> recorded same weekdays before the origin (0 when none).</summary>
    public static double SameWeekday(SeriesWindow series, int origin, int target, int weeks)
    {
        var day = LatestSameWeekday(origin, target);
        double sum = 0;
        var count = 0;
        for (var w = 0; w < weeks; w++, day -= 7)
        {
            var value = series.Recorded(day);
            if (double.IsNaN(value)) continue;
            sum += value;
            count++;
        }
        return count == 0 ? 0 : sum / count;
    }

    /// <summary>The latest day before the origin with the target's weekday.</summary>
    public static int LatestSameWeekday(int origin, int target)
    {
        var weeksBack = (target - origin) / 7 + 1;
        return target - 7 * weeksBack;
    }
}
