namespace Serverless.Forecasting.Forecasts;

/// <summary>What the recent history of a series looked like, kept with its forecast for the review.</summary>
/// <param name="WeeklyTotals">Units in each of the last four weeks before the run date, oldest first.</param>
/// <param name="DaysSinceLastSale">Days from the last day with sales to the run date (int.MaxValue when never sold).</param>
public sealed record RecentHistory(IReadOnlyList<double> WeeklyTotals, int DaysSinceLastSale)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public double LastWeek => WeeklyTotals.Count == 0 ? 0 : WeeklyTotals[^1];

    [System.Text.Json.Serialization.JsonIgnore]
    public double MeanOfLastFourWeeks => WeeklyTotals.Count == 0 ? 0 : WeeklyTotals.Average();
}

/// <summary>
/// The forecast of one item in one store for each day of the target week.
/// </summary>
/// <param name="Point">Expected units per day.</param>
/// <param name="Order">Units to order per day: the service-level quantile, rounded up.</param>
/// <param name="Source">"model", a naive baseline's name, or "no-history".</param>
public sealed record ItemForecast(string Item, IReadOnlyList<double> Point, IReadOnlyList<int> Order, string Source, RecentHistory Recent)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public double PointTotal => Point.Sum();

    [System.Text.Json.Serialization.JsonIgnore]
    public int OrderTotal => Order.Sum();
}

/// <summary>One store's forecast for the target week <c>[TargetStart, TargetStart + Days)</c>.</summary>
/// <param name="Method">"model" when the model was promoted, else the fallback baseline's name.</param>
/// <param name="ModelVersion">The trained model that produced it.</param>
public sealed record StoreForecast(
    string Store,
    DateOnly RunDate,
    DateOnly TargetStart,
    int Days,
    double ServiceLevel,
    string Method,
    string ModelVersion,
    IReadOnlyList<ItemForecast> Items)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public IEnumerable<DateOnly> TargetDates => Enumerable.Range(0, Days).Select(TargetStart.AddDays);

    public ItemForecast? Find(string item) => Items.FirstOrDefault(i => i.Item == item);

    /// <summary>UTF-8 JSON (camelCase), the form the predict step stores; the same forecast always gives the same bytes.</summary>
    public byte[] ToJsonBytes() =>
        System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(this, Serialization.ForecastJsonContext.Default.StoreForecast);

    public static StoreForecast FromJson(ReadOnlySpan<byte> json, string sourceName)
    {
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize(json, Serialization.ForecastJsonContext.Default.StoreForecast)
                ?? throw new FormatException($"{sourceName}: line 1: the forecast is empty (null).");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new FormatException($"{sourceName}: line {(e.LineNumber ?? 0) + 1}: field '{e.Path}': {e.Message}", e);
        }
    }
}
