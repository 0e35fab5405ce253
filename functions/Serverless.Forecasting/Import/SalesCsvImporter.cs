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
        var strings = new Interner();
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
        using var reader = new StreamReader(path, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
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
        Interner strings, out SalesRecord record, out QuarantineRecord? error)
    {
        record = default;
        error = null;
        if (line.Contains('"'))
        {
            // Quoted fields (rare): unquote into strings, then validate them as spans like any other row.
            if (!SplitFields(line, fields))
            {
                error = new QuarantineRecord(fileName, lineNumber, "row", "unbalanced quotes", line);
                return false;
            }
            return Validate(line, lineNumber, fieldCount, fileName, fields.Count,
                Field(fields, 0), Field(fields, 1), Field(fields, 2), Field(fields, 3), Field(fields, 4), strings, out record, out error);
        }

        // The common case: split on commas without allocating a string per field.
        Span<Range> ranges = stackalloc Range[7];
        var span = line.AsSpan();
        var count = span.Split(ranges, ',');
        if (count == ranges.Length) count = line.AsSpan().Count(',') + 1;  // more fields than we split: only the count matters
        ReadOnlySpan<char> At(Span<Range> r, int i, int n) => i < n && i < r.Length ? line.AsSpan(r[i]) : default;
        return Validate(line, lineNumber, fieldCount, fileName, count,
            At(ranges, 0, count), At(ranges, 1, count), At(ranges, 2, count), At(ranges, 3, count), At(ranges, 4, count), strings, out record, out error);
    }

    private static ReadOnlySpan<char> Field(List<string> fields, int i) => i < fields.Count ? fields[i].AsSpan() : default;

    private static bool Validate(string line, long lineNumber, int fieldCount, string fileName, int count,
        ReadOnlySpan<char> dateText, ReadOnlySpan<char> storeText, ReadOnlySpan<char> itemText, ReadOnlySpan<char> salesText, ReadOnlySpan<char> priceText,
        Interner strings, out SalesRecord record, out QuarantineRecord? error)
    {
        record = default;
        error = null;
        QuarantineRecord Fail(string field, string reason) => new(fileName, lineNumber, field, reason, line);

        if (count < fieldCount)
        {
            error = Fail(Columns[count], $"truncated row: expected {fieldCount} fields, found {count}");
            return false;
        }
        if (count > fieldCount)
        {
            error = Fail("row", $"too many fields: expected {fieldCount}, found {count}");
            return false;
        }
        if (!TryParseDate(dateText.Trim(), out var date))
        {
            error = Fail("date", $"'{dateText}' is not a date in ISO format yyyy-MM-dd");
            return false;
        }
        var store = storeText.Trim();
        if (store.Length == 0)
        {
            error = Fail("store", "the store id is empty");
            return false;
        }
        var item = itemText.Trim();
        if (item.Length == 0)
        {
            error = Fail("item", "the item id is empty");
            return false;
        }
        if (!float.TryParse(salesText.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var sales) || !float.IsFinite(sales))
        {
            error = Fail("sales", $"'{salesText}' is not a number");
            return false;
        }
        if (sales < 0)
        {
            error = Fail("sales", $"negative sales {salesText}");
            return false;
        }
        var price = float.NaN;
        if (fieldCount == 5 && priceText.Trim().Length > 0)
        {
            if (!float.TryParse(priceText.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out price) || !float.IsFinite(price))
            {
                error = Fail("price", $"'{priceText}' is not a number");
                return false;
            }
            if (price <= 0)
            {
                error = Fail("price", $"price must be positive, found {priceText}");
                return false;
            }
        }
        record = new SalesRecord(date, strings.Get(store), strings.Get(item), sales, price);
        return true;
    }

    /// <summary>Exactly <c>yyyy-MM-dd</c> (a real calendar date); digits are checked by hand, the rest by DateOnly.</summary>
    private static bool TryParseDate(ReadOnlySpan<char> text, out DateOnly date)
    {
        date = default;
        if (text.Length != 10 || text[4] != '-' || text[7] != '-') return false;
        int Digits(ReadOnlySpan<char> t)
        {
            var value = 0;
            foreach (var c in t)
            {
                if (c < '0' || c > '9') return -1;
                value = value * 10 + (c - '0');
            }
            return value;
        }
        var (year, month, day) = (Digits(text[..4]), Digits(text[5..7]), Digits(text[8..]));
        if (year < 1 || month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)) return false;
        date = new DateOnly(year, month, day);
        return true;
    }

    /// <summary>
    /// Ids repeat on every row: one string instance per id keeps memory flat on big files, is looked
    /// up by span (no allocation per row), and lets the duplicate check compare ids by reference.
    /// </summary>
    private sealed class Interner
    {
        private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

        public Interner() => _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();

        public string Get(ReadOnlySpan<char> value)
        {
            if (_lookup.TryGetValue(value, out var existing)) return existing;
            var text = value.ToString();
            _strings[text] = text;
            return text;
        }
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
        // Ids are interned (one instance per value), so keys compare by reference: no string hashing per row.
        private readonly Dictionary<(string Store, string Item), Series> _series = new(ReferencePairComparer.Instance);

        public bool TryAdd(string store, string item, DateOnly date)
        {
            if (!_series.TryGetValue((store, item), out var series))
            {
                series = new Series(date.DayNumber);
                _series[(store, item)] = series;
            }
            return series.TryAdd(date.DayNumber);
        }

        private sealed class ReferencePairComparer : IEqualityComparer<(string Store, string Item)>
        {
            public static ReferencePairComparer Instance { get; } = new();

            public bool Equals((string Store, string Item) x, (string Store, string Item) y) =>
                ReferenceEquals(x.Store, y.Store) && ReferenceEquals(x.Item, y.Item);

            public int GetHashCode((string Store, string Item) key) =>
                HashCode.Combine(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(key.Store),
                    System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(key.Item));
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
