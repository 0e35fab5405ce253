using System.Globalization;

namespace Serverless.Forecasting.Data;

/// <summary>
/// Daily mean temperature (deg C) per region from <see cref="Start"/>: observed for past days and
/// a forecast for the days ahead. The model treats every value as a weather forecast, which is
/// what it would have had on the day.
/// </summary>
public sealed class WeatherTable
{
    private readonly Dictionary<string, float[]> _byRegion;

    public WeatherTable(DateOnly start, IReadOnlyDictionary<string, float[]> temperatureByRegion)
    {
        Start = start;
        _byRegion = temperatureByRegion.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
    }

    public DateOnly Start { get; }

    public IEnumerable<string> Regions => _byRegion.Keys.Order(StringComparer.Ordinal);

    /// <summary>The temperature, or NaN when the region or the day is not covered.</summary>
    public float Get(string region, DateOnly date)
    {
        if (!_byRegion.TryGetValue(region, out var series)) return float.NaN;
        var index = date.DayNumber - Start.DayNumber;
        return index >= 0 && index < series.Length ? series[index] : float.NaN;
    }

    /// <summary>Writes <c>date,region,temperature</c>.</summary>
    public void WriteCsv(TextWriter writer)
    {
        writer.Write("date,region,temperature\n");
        var length = _byRegion.Values.Max(v => v.Length);
        for (var day = 0; day < length; day++)
        {
            var date = Start.AddDays(day).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            foreach (var region in Regions)
            {
                var series = _byRegion[region];
                if (day >= series.Length) continue;
                writer.Write(date);
                writer.Write(',');
                writer.Write(region);
                writer.Write(',');
                writer.Write(series[day].ToString("0.0", CultureInfo.InvariantCulture));
                writer.Write('\n');
            }
        }
    }

    /// <summary>Reads <c>date,region,temperature</c>; errors name the file, line and field.</summary>
    public static WeatherTable ReadCsv(TextReader reader, string fileName)
    {
        var header = reader.ReadLine();
        if (header?.Trim() != "date,region,temperature")
        {
            throw new FormatException($"{fileName}: line 1: expected header 'date,region,temperature'.");
        }
        var rows = new List<(DateOnly Date, string Region, float Temperature)>();
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0) continue;
            var parts = line.Split(',');
            if (parts.Length != 3) throw new FormatException($"{fileName}: line {lineNumber}: expected 3 fields, found {parts.Length}.");
            if (!DateOnly.TryParseExact(parts[0], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                throw new FormatException($"{fileName}: line {lineNumber}: field 'date': '{parts[0]}' is not a yyyy-MM-dd date.");
            if (!float.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var t))
                throw new FormatException($"{fileName}: line {lineNumber}: field 'temperature': '{parts[2]}' is not a number.");
            rows.Add((date, parts[1], t));
        }
        if (rows.Count == 0) return new WeatherTable(default, new Dictionary<string, float[]>());
        var start = rows.Min(r => r.Date);
        var end = rows.Max(r => r.Date);
        var byRegion = rows.GroupBy(r => r.Region).ToDictionary(g => g.Key, g =>
        {
            var series = new float[end.DayNumber - start.DayNumber + 1];
            Array.Fill(series, float.NaN);
            foreach (var r in g) series[r.Date.DayNumber - start.DayNumber] = r.Temperature;
            return series;
        });
        return new WeatherTable(start, byRegion);
    }
}
