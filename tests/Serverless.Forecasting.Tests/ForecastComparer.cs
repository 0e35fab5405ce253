using Serverless.Forecasting.Forecasts;

namespace Serverless.Forecasting.Tests;

/// <summary>Compares store forecasts by value, including the per-day arrays.</summary>
internal sealed class ForecastComparer : IEqualityComparer<StoreForecast>
{
    public static ForecastComparer Instance { get; } = new();

    public bool Equals(StoreForecast? x, StoreForecast? y) => Describe(x) == Describe(y);

    public int GetHashCode(StoreForecast obj) => Describe(obj).GetHashCode(StringComparison.Ordinal);

    public static string Describe(StoreForecast? f) => f is null ? "null" :
        $"{f.Store}|{f.RunDate}|{f.TargetStart}|{f.Days}|{f.Method}|{f.ModelVersion}|" + string.Join(";", f.Items.Select(i =>
            $"{i.Item}:{i.Source}:{string.Join(",", i.Point.Select(p => p.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}:{string.Join(",", i.Order)}:{string.Join(",", i.Recent.WeeklyTotals)}:{i.Recent.DaysSinceLastSale}"));
}
