using System.Globalization;
using Serverless.Forecasting.Aggregation;
using Serverless.Forecasting.Configuration;
using Serverless.Forecasting.Forecasts;

namespace Serverless.Forecasting.Review;

/// <summary>The series a store had in its history, for the missing-forecast check.</summary>
public sealed record StoreSeriesList(string Store, IReadOnlyList<string> Items)
{
    public static StoreSeriesList Of(StoreHistory history) =>
        new(history.StoreId, history.Items.Where((_, i) => history.FirstDay(i) < history.HistoryDays).ToList());
}

/// <summary>
/// The automatic review step: sanity checks of every forecast against its own recent history.
/// Thresholds come from <see cref="ReviewSettings"/>.
/// </summary>
public static class ForecastReviewer
{
    /// <param name="forecasts">Every store's forecast.</param>
    /// <param name="expected">The series each store had in its history (<see cref="StoreSeriesList.Of"/>).</param>
    public static ReviewResult Review(IReadOnlyList<StoreForecast> forecasts, IReadOnlyList<StoreSeriesList> expected, ReviewSettings settings)
    {
        var flags = new List<ReviewFlag>();
        var byStore = forecasts.ToDictionary(f => f.Store, StringComparer.Ordinal);
        foreach (var store in expected)
        {
            byStore.TryGetValue(store.Store, out var forecast);
            foreach (var item in store.Items)
            {
                if (forecast?.Find(item) is null)
                {
                    flags.Add(new ReviewFlag(store.Store, item, ReviewFlagKind.MissingForecast, ReviewSeverity.Critical,
                        forecast is null
                            ? $"{store.Store} has sales history but no forecast at all; {item} will get no order."
                            : $"{item} in {store.Store} has sales history but no forecast; it will get no order."));
                }
            }
        }
        var checkedSeries = 0;
        foreach (var forecast in forecasts)
        {
            foreach (var item in forecast.Items)
            {
                checkedSeries++;
                Check(forecast, item, settings, flags);
            }
        }
        var ordered = flags
            .OrderByDescending(f => f.Severity)
            .ThenBy(f => f.Store, StringComparer.Ordinal)
            .ThenBy(f => f.Item, StringComparer.Ordinal)
            .ThenBy(f => f.Kind)
            .ToList();
        return new ReviewResult(ordered, checkedSeries);
    }

    private static void Check(StoreForecast forecast, ItemForecast item, ReviewSettings settings, List<ReviewFlag> flags)
    {
        var (store, id) = (forecast.Store, item.Item);
        var week = item.PointTotal;
        var recent = item.Recent;
        var invalid = item.Point.Any(v => double.IsNaN(v) || v < 0) || item.Order.Any(v => v < 0);
        if (invalid)
        {
            flags.Add(new ReviewFlag(store, id, ReviewFlagKind.ZeroOrNegative, ReviewSeverity.Critical,
                $"{id} in {store}: the forecast has negative or undefined values ({Format(item.Point)})."));
            return;
        }
        if (recent.DaysSinceLastSale > settings.StaleHistoryDays)
        {
            var since = recent.DaysSinceLastSale == int.MaxValue ? "never sold" : $"no sales in the last {recent.DaysSinceLastSale} days";
            flags.Add(new ReviewFlag(store, id, ReviewFlagKind.NoRecentHistory, ReviewSeverity.Warning,
                $"{id} in {store}: {since}; the forecast of {week:0.#} units rests on old data (discontinued, or a broken feed?)."));
            return;
        }
        if (week <= 0 && recent.MeanOfLastFourWeeks > 0)
        {
            flags.Add(new ReviewFlag(store, id, ReviewFlagKind.ZeroOrNegative, ReviewSeverity.Warning,
                $"{id} in {store}: zero forecast for the week although it sold {recent.MeanOfLastFourWeeks:0.#} units a week recently."));
            return;
        }
        var mean4 = recent.MeanOfLastFourWeeks;
        if (Math.Max(week, mean4) >= settings.MinWeeklyUnits)
        {
            var ratio = Ratio(week, mean4);
            if (ratio > settings.MaxRatioToRecent || ratio < 1 / settings.MaxRatioToRecent)
            {
                flags.Add(new ReviewFlag(store, id, ReviewFlagKind.FarFromRecentWeeks, Severity(ratio, settings.MaxRatioToRecent),
                    $"{id} in {store}: forecast {week:0.#} units for the week is {Describe(ratio)} the last 4 weeks' mean of {mean4:0.#}."));
            }
        }
        var last = recent.LastWeek;
        if (Math.Max(week, last) >= settings.MinWeeklyUnits)
        {
            var ratio = Ratio(week, last);
            if (ratio > settings.MaxWeekOverWeekRatio || ratio < 1 / settings.MaxWeekOverWeekRatio)
            {
                flags.Add(new ReviewFlag(store, id, ReviewFlagKind.WeekOverWeekJump, Severity(ratio, settings.MaxWeekOverWeekRatio),
                    $"{id} in {store}: forecast {week:0.#} units is {Describe(ratio)} last week's {last:0.#}."));
            }
        }
    }

    private static double Ratio(double value, double reference) =>
        reference <= 0 ? (value <= 0 ? 1 : double.PositiveInfinity) : value / reference;

    // Twice past the threshold (on the log scale) is critical.
    private static ReviewSeverity Severity(double ratio, double threshold) =>
        Math.Abs(Math.Log(ratio)) >= 2 * Math.Log(threshold) ? ReviewSeverity.Critical : ReviewSeverity.Warning;

    private static string Describe(double ratio) =>
        double.IsPositiveInfinity(ratio) ? "far above (from nothing)"
        : ratio >= 1 ? $"{ratio.ToString("0.0", CultureInfo.InvariantCulture)}x"
        : $"{(1 / ratio).ToString("0.0", CultureInfo.InvariantCulture)}x below";

    private static string Format(IReadOnlyList<double> values) =>
        string.Join(", ", values.Select(v => v.ToString("0.##", CultureInfo.InvariantCulture)));
}
