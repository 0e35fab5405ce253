namespace Serverless.Recommendations.Data;

/// <summary>A rejected input row: where it was, which field was wrong, why, and the row as read.</summary>
public sealed record QuarantinedRow(string File, int Line, string Field, string Reason, string RawText)
{
    public override string ToString() => $"{File}:{Line}: {Field}: {Reason}";

    /// <summary>Writes quarantined rows as CSV (<c>file,line,field,reason,raw</c>) for operators to inspect.</summary>
    public static void WriteCsv(TextWriter writer, IEnumerable<QuarantinedRow> rows)
    {
        writer.WriteLine("file,line,field,reason,raw");
        foreach (var row in rows)
        {
            writer.WriteLine(string.Join(',',
                CsvFields.Escape(row.File), row.Line.ToString(System.Globalization.CultureInfo.InvariantCulture),
                CsvFields.Escape(row.Field), CsvFields.Escape(row.Reason), CsvFields.Escape(row.RawText)));
        }
    }
}

/// <summary>An input file that cannot be imported at all (empty, wrong header); names the file, line and field.</summary>
public sealed class DataImportException : FormatException
{
    public DataImportException(string file, int line, string field, string message)
        : base($"{file}:{line}: {field}: {message}")
    {
        File = file;
        Line = line;
        Field = field;
    }

    public string File { get; }
    public int Line { get; }
    public string Field { get; }
}
