using Serverless.Forecasting.Aggregation;
using Serverless.Forecasting.Features;
using Serverless.Forecasting.Forecasts;

namespace Serverless.Forecasting.Modeling;

/// <summary>Point forecasts of one series for the target week.</summary>
internal sealed record SeriesPoints(int Item, double[] Model, double[] LastWeek, double[] FourWeekMean, bool ModelUsable, RecentHistory Recent);

/// <summary>
/// Computes, for every item of a store, the model's and both baselines' point forecasts of the
/// target week <c>[RunDate + lead, + horizon)</c>, reading sales strictly before the run date.
/// </summary>
internal static class SeriesForecaster
{
    /// <param name="pool">The item's and the chain's seasonal ratios at this history's run date (null: the series' own only).</param>
    public static List<SeriesPoints> Forecast(StoreHistory history, GbmRegressor? model, FeatureVocabulary vocabulary, LevelPool? pool, int leadTimeDays, int horizonDays)
    {
        if (history.FutureDays < leadTimeDays + horizonDays)
        {
            throw new ArgumentException($"store '{history.StoreId}': the history carries {history.FutureDays} future days of covariates; the target week needs {leadTimeDays + horizonDays}.");
        }
        var origin = history.HistoryDays;
        var featureCount = FeatureSet.Count;
        var results = new List<SeriesPoints>(history.Items.Count);
        var rows = new List<(int Series, int Day, float Scale)>();
        var matrix = new List<float>();
        var buffer = new float[featureCount];
        for (var item = 0; item < history.Items.Count; item++)
        {
            var window = new SeriesWindow(history, item);
            var point = new double[horizonDays];
            var last = new double[horizonDays];
            var mean4 = new double[horizonDays];
            var usable = true;
            for (var h = 0; h < horizonDays; h++)
            {
                var target = origin + leadTimeDays + h;
                last[h] = NaiveBaselines.Forecast(NaiveBaseline.SameWeekdayLastWeek, window, origin, target);
                mean4[h] = NaiveBaselines.Forecast(NaiveBaseline.MeanOfLastFourSameWeekdays, window, origin, target);
                if (model is not null && FeatureSet.TryBuild(window, vocabulary, pool, origin, target, buffer, out var scale))
                {
                    rows.Add((results.Count, h, scale));
                    matrix.AddRange(buffer);
                }
                else
                {
                    usable = false;
                }
            }
            results.Add(new SeriesPoints(item, point, last, mean4, usable && model is not null, Recent(history, item)));
        }
        if (rows.Count > 0)
        {
            var scores = model!.Predict(matrix.ToArray());
            for (var r = 0; r < rows.Count; r++)
            {
                var (series, day, scale) = rows[r];
                results[series].Model[day] = Math.Max(0, scores[r] * scale);
            }
        }
        // A series the model cannot read (too little clean history) takes the four-week mean.
        foreach (var s in results.Where(s => !s.ModelUsable)) Array.Copy(s.FourWeekMean, s.Model, horizonDays);
        return results;
    }

    public static RecentHistory Recent(StoreHistory history, int item)
    {
        var sales = history.Sales(item);
        var weeks = new double[4];
        for (var w = 0; w < 4; w++)
        {
            var end = sales.Length - 7 * (3 - w);
            for (var d = Math.Max(0, end - 7); d < end; d++) weeks[w] += sales[d];
        }
        var daysSince = int.MaxValue;
        for (var d = sales.Length - 1; d >= history.FirstDay(item); d--)
        {
            if (sales[d] > 0)
            {
                daysSince = sales.Length - d;
                break;
            }
        }
        return new RecentHistory(weeks, daysSince);
    }
}
