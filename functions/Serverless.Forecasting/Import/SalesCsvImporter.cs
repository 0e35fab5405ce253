using System.Globalization;
using Serverless.Forecasting.Data;

namespace Serverless.Forecasting.Import;

/// <summary>
/// Reads the sales shape <c>date,store,item,sales[,price]</c> row by row. Every row is validated;
/// a bad row goes to the <see cref="Quarantine"/> with file, line, field and reason, and the good
/// rows go on. An empty file or a wrong header rejects the whole file
/// (<see cref="SalesImportException"/>, line 1). Rows are streamed: besides one bit per
/// store x item x day (to catch duplicates exactly) nothing is held.
/// </summary>
public static class SalesCsvImporter
{
    private static readonly string[] Columns = ["date", "store", "item", "sales", "price"];

    public static IEnumerable<SalesRecord> Read(TextReader reader, string fileName, Quarantine quarantine)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(quarantine);
        var header = reader.ReadLine();
        if (header is null || header.Trim().Length == 0)
        {
            throw new SalesImportException(fileName, 1, "the file is empty; expected the header 'date,store,item,sales[,price]'.");
        }
        var fieldCount = ParseHeader(header.TrimStart('\uFEFF'), fileName);
        var seen = new SeenKeys();
        var strings = new Dictionary<string, string>(StringComparer.Ordinal);
        long lineNumber = 1;
        var fields = new List<string>(6);
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0) continue;
            if (TryParse(line, lineNumber, fieldCount, fileName, fields, strings, out var record, out var error))
            {
                if (seen.TryAdd(record.Store, record.Item, record.Date))
                {
                    yield return record;
                }
                else
                {
                    quarantine.Add(new QuarantineRecord(fileName, lineNumber, "date,store,item",
                        "duplicate row: this date, store and item already appeared on an earlier line", line));
                }
            }
            else
            {
                quarantine.Add(error!);
            }
        }
    }

    /// <summary>Reads a file from disk; the file name in errors and quarantine records is its path.</summary>
    public static IEnumerable<SalesRecord> ReadFile(string path, Quarantine quarantine)
    {
        using var reader = new StreamReader(path);
        foreach (var record in Read(reader, path, quarantine)) yield return record;
    }

    private static int ParseHeader(string header, string fileName)
    {
        var names = header.Split(',').Select(n => n.Trim().ToLowerInvariant()).ToArray();
        var matches = names.Length is 4 or 5 && names.Select((n, i) => n == Columns[i]).All(ok => ok);
        if (!matches)
        {
            throw new SalesImportException(fileName, 1,
                $"wrong header '{header}'; expected 'date,store,item,sales' or 'date,store,item,sales,price'.");
        }
        return names.Length;
    }

    private static bool TryParse(string line, long lineNumber, int fieldCount, string fileName, List<string> fields,
        Dictionary<string, string> strings, out SalesRecord record, out QuarantineRecord? error)
    {
        record = default;
        error = null;
        QuarantineRecord Fail(string field, string reason) => new(fileName, lineNumber, field, reason, line);

        if (!SplitFields(line, fields))
        {
            error = Fail("row", "unbalanced quotes");
            return false;
        }
        if (fields.Count < fieldCount)
        {
            error = Fail(Columns[fields.Count], $"truncated row: expected {fieldCount} fields, found {fields.Count}");
            return false;
        }
        if (fields.Count > fieldCount)
        {
            error = Fail("row", $"too many fields: expected {fieldCount}, found {fields.Count}");
            return false;
        }
        if (!DateOnly.TryParseExact(fields[0].AsSpan().Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            error = Fail("date", $"'{fields[0]}' is not a date in ISO format yyyy-MM-dd");
            return false;
        }
        var store = fields[1].Trim();
        if (store.Length == 0)
        {
            error = Fail("store", "the store id is empty");
            return false;
        }
        var item = fields[2].Trim();
        if (item.Length == 0)
        {
            error = Fail("item", "the item id is empty");
            return false;
        }
        if (!float.TryParse(fields[3].AsSpan().Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var sales) || !float.IsFinite(sales))
        {
            error = Fail("sales", $"'{fields[3]}' is not a number");
            return false;
        }
        if (sales < 0)
        {
            error = Fail("sales", $"negative sales {fields[3]}");
            return false;
        }
        var price = float.NaN;
        if (fieldCount == 5 && fields[4].Trim().Length > 0)
        {
            if (!float.TryParse(fields[4].AsSpan().Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out price) || !float.IsFinite(price))
            {
                error = Fail("price", $"'{fields[4]}' is not a number");
                return false;
            }
            if (price <= 0)
            {
                error = Fail("price", $"price must be positive, found {fields[4]}");
                return false;
            }
        }
        record = new SalesRecord(date, Intern(strings, store), Intern(strings, item), sales, price);
        return true;
    }

    // Ids repeat on every row; one string instance per id keeps memory flat on big files.
    private static string Intern(Dictionary<string, string> strings, string value)
    {
        if (strings.TryGetValue(value, out var existing)) return existing;
        strings[value] = value;
        return value;
    }

    /// <summary>Splits one CSV line; supports double-quoted fields (without line breaks).</summary>
    private static bool SplitFields(string line, List<string> fields)
    {
        fields.Clear();
        var i = 0;
        while (true)
        {
            if (i < line.Length && line[i] == '"')
            {
                var value = new System.Text.StringBuilder();
                i++;
                while (true)
                {
                    if (i >= line.Length) return false;
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            value.Append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    value.Append(line[i++]);
                }
                fields.Add(value.ToString());
                if (i >= line.Length) return true;
                if (line[i] != ',') return false;
                i++;
            }
            else
            {
                var comma = line.IndexOf(',', i);
                if (comma < 0)
                {
                    fields.Add(line[i..]);
                    return true;
                }
                fields.Add(line[i..comma]);
                i = comma + 1;
            }
        }
    }

    /// <summary>
    /// One bit per store x item x day seen. Line numbers of first occurrences are not kept: that
    /// would hold a number per row, which streaming must avoid.
    /// </summary>
    private sealed class SeenKeys
    {
        private readonly Dictionary<(string Store, string Item), Series> _series = new();

        public bool TryAdd(string store, string item, DateOnly date)
        {
            if (!_series.TryGetValue((store, item), out var series))
            {
                series = new Series(date.DayNumber);
                _series[(store, item)] = series;
            }
            return series.TryAdd(date.DayNumber);
        }

        private sealed class Series(int baseDay)
        {
            private int _base = baseDay;
            private ulong[] _bits = new ulong[8];

            public bool TryAdd(int day)
            {
                if (day < _base) Rebase(day);
                var offset = day - _base;
                if ((offset >> 6) >= _bits.Length) Array.Resize(ref _bits, Math.Max(_bits.Length * 2, (offset >> 6) + 1));
                var mask = 1UL << (offset & 63);
                if ((_bits[offset >> 6] & mask) != 0) return false;
                _bits[offset >> 6] |= mask;
                return true;
            }

            private void Rebase(int newBase)
            {
                var shiftWords = (_base - newBase + 63) / 64;
                var newBaseAligned = _base - shiftWords * 64;
                var bits = new ulong[_bits.Length + shiftWords];
                Array.Copy(_bits, 0, bits, shiftWords, _bits.Length);
                _bits = bits;
                _base = newBaseAligned;
            }
        }
    }
}
