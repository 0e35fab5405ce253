using System.Globalization;

namespace Serverless.Forecasting.Import;

/// <summary>
/// Days known to have sold out, per store and item (from a source that knows, such as the
/// synthetic chain's <c>stockouts.csv</c>: <c>date,store,item</c>). Sales on those days are lower
/// than demand, so training leaves them out.
/// </summary>
public sealed class StockoutDays
{
    private readonly Dictionary<(string Store, string Item), HashSet<int>> _days = new();

    public int Count { get; private set; }

    public void Add(string store, string item, DateOnly date)
    {
        if (!_days.TryGetValue((store, item), out var set)) _days[(store, item)] = set = [];
        if (set.Add(date.DayNumber)) Count++;
    }

    public bool Contains(string store, string item, DateOnly date) =>
        _days.TryGetValue((store, item), out var set) && set.Contains(date.DayNumber);

    public static StockoutDays ReadCsv(TextReader reader, string fileName)
    {
        var header = reader.ReadLine();
        if (header?.Trim() != "date,store,item")
        {
            throw new SalesImportException(fileName, 1, "expected the header 'date,store,item'.");
        }
        var result = new StockoutDays();
        long lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0) continue;
            var parts = line.Split(',');
            if (parts.Length != 3)
                throw new SalesImportException(fileName, lineNumber, $"expected 3 fields, found {parts.Length}.");
            if (!DateOnly.TryParseExact(parts[0], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                throw new SalesImportException(fileName, lineNumber, $"field 'date': '{parts[0]}' is not a yyyy-MM-dd date.");
            result.Add(parts[1], parts[2], date);
        }
        return result;
    }
}
