using System.Globalization;

namespace Serverless.Recommendations.Data;

/// <summary>The outcome of importing one interaction file: the good rows merged, the bad rows quarantined.</summary>
public sealed record InteractionImportResult(
    string File,
    InteractionDataset Dataset,
    IReadOnlyList<QuarantinedRow> Quarantine,
    int RowsRead,
    int RowsAccepted,
    int MergedDuplicates);

/// <summary>
/// Reads and writes interaction files: a header <c>user,item,weight</c> or <c>user,item,weight,timestamp</c>,
/// then one interaction per line. Weights are confidence evidence (views, applications, ratings);
/// timestamps are ISO 8601 (UTC when no offset is given).
/// </summary>
public static class InteractionCsv
{
    private static readonly string[] Columns = ["user", "item", "weight", "timestamp"];
    private static readonly string[] TimestampFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd",
    ];

    /// <summary>
    /// Imports a file. Throws <see cref="DataImportException"/> when the file is empty, the header
    /// is wrong or no row is usable; otherwise bad rows are quarantined and good rows go on.
    /// </summary>
    public static InteractionImportResult Import(TextReader reader, string fileName)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var headerLine = reader.ReadLine();
        if (headerLine is null || headerLine.Trim('\uFEFF', ' ', '\t').Length == 0)
        {
            throw new DataImportException(fileName, 1, "header", "the file is empty; expected the header 'user,item,weight[,timestamp]'");
        }

        var fields = new List<string>(5);
        var withTimestamps = ParseHeader(headerLine.TrimStart('\uFEFF'), fields, fileName);
        var expectedFields = withTimestamps ? 4 : 3;
        var builder = new InteractionDatasetBuilder(withTimestamps);
        var quarantine = new List<QuarantinedRow>();
        var rowsRead = 0;
        var lineNumber = 1;

        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            rowsRead++;
            var problem = ParseRow(line, fields, expectedFields, out var weight, out var timestamp);
            if (problem is { } p)
            {
                quarantine.Add(new QuarantinedRow(fileName, lineNumber, p.Field, p.Reason, line));
                continue;
            }
            builder.Add(fields[0], fields[1], weight, withTimestamps ? timestamp : null);
        }

        if (rowsRead == 0) throw new DataImportException(fileName, lineNumber, "rows", "the file has a header but no interactions");
        if (builder.RowsAdded == 0)
        {
            throw new DataImportException(fileName, quarantine[0].Line, quarantine[0].Field,
                $"all {rowsRead} rows were quarantined; first reason: {quarantine[0].Reason}");
        }

        return new InteractionImportResult(fileName, builder.Build(), quarantine, rowsRead, builder.RowsAdded, builder.MergedDuplicates);
    }

    /// <summary>Writes interactions in the format <see cref="Import"/> reads.</summary>
    public static void Write(TextWriter writer, IEnumerable<RawInteraction> rows, bool includeTimestamps)
    {
        writer.WriteLine(includeTimestamps ? "user,item,weight,timestamp" : "user,item,weight");
        foreach (var row in rows)
        {
            writer.Write(CsvFields.Escape(row.User));
            writer.Write(',');
            writer.Write(CsvFields.Escape(row.Item));
            writer.Write(',');
            writer.Write(row.Weight.ToString("R", CultureInfo.InvariantCulture));
            if (includeTimestamps)
            {
                writer.Write(',');
                writer.Write(FormatTimestamp(row.TimestampMs));
            }
            writer.WriteLine();
        }
    }

    public static string FormatTimestamp(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static bool TryParseTimestamp(string text, out long unixMs)
    {
        if (TryParseUtcSeconds(text, out unixMs)) return true;
        if (DateTimeOffset.TryParseExact(text, TimestampFormats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            unixMs = value.ToUnixTimeMilliseconds();
            return true;
        }
        unixMs = 0;
        return false;
    }

    /// <summary>The fast path for the form this library writes, <c>yyyy-MM-ddTHH:mm:ssZ</c> (most of a large file).</summary>
    private static bool TryParseUtcSeconds(string text, out long unixMs)
    {
        unixMs = 0;
        if (text.Length != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != 'Z')
        {
            return false;
        }
        var span = text.AsSpan();
        const NumberStyles digits = NumberStyles.None;
        if (!int.TryParse(span[..4], digits, CultureInfo.InvariantCulture, out var year) || year < 1
            || !int.TryParse(span[5..7], digits, CultureInfo.InvariantCulture, out var month) || month is < 1 or > 12
            || !int.TryParse(span[8..10], digits, CultureInfo.InvariantCulture, out var day) || day < 1 || day > DateTime.DaysInMonth(year, month)
            || !int.TryParse(span[11..13], digits, CultureInfo.InvariantCulture, out var hour) || hour > 23
            || !int.TryParse(span[14..16], digits, CultureInfo.InvariantCulture, out var minute) || minute > 59
            || !int.TryParse(span[17..19], digits, CultureInfo.InvariantCulture, out var second) || second > 59)
        {
            return false;
        }
        unixMs = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero).ToUnixTimeMilliseconds();
        return true;
    }

    private static bool ParseHeader(string headerLine, List<string> fields, string fileName)
    {
        var ok = CsvFields.TrySplit(headerLine, fields);
        var matches = ok && (fields.Count == 3 || fields.Count == 4)
            && fields.Select((f, i) => string.Equals(f, Columns[i], StringComparison.OrdinalIgnoreCase)).All(m => m);
        if (!matches)
        {
            throw new DataImportException(fileName, 1, "header",
                $"expected the header 'user,item,weight' or 'user,item,weight,timestamp', found '{headerLine}'");
        }
        return fields.Count == 4;
    }

    private static (string Field, string Reason)? ParseRow(string line, List<string> fields, int expectedFields, out double weight, out long timestamp)
    {
        weight = 0;
        timestamp = 0;
        if (!CsvFields.TrySplit(line, fields)) return ("row", "a quoted field is not closed");
        if (fields.Count != expectedFields)
        {
            return ("row", $"expected {expectedFields} fields ({string.Join(',', Columns[..expectedFields])}), found {fields.Count}");
        }
        if (fields[0].Length == 0) return ("user", "the user id is empty");
        if (fields[1].Length == 0) return ("item", "the item id is empty");
        if (fields[2].Length == 0) return ("weight", "the weight is empty");
        if (!double.TryParse(fields[2], NumberStyles.Float, CultureInfo.InvariantCulture, out weight))
        {
            return ("weight", $"'{fields[2]}' is not a number");
        }
        if (!double.IsFinite(weight)) return ("weight", $"'{fields[2]}' is not a finite number");
        if (weight < 0) return ("weight", $"the weight {fields[2]} is negative");
        if (expectedFields == 4)
        {
            if (fields[3].Length == 0) return ("timestamp", "the timestamp is empty");
            if (!TryParseTimestamp(fields[3], out timestamp)) return ("timestamp", $"'{fields[3]}' is not an ISO 8601 timestamp");
        }
        return null;
    }
}

/// <summary>One interaction as it appears in a file: string ids, weight and a timestamp (Unix milliseconds, UTC).</summary>
public readonly record struct RawInteraction(string User, string Item, float Weight, long TimestampMs);
