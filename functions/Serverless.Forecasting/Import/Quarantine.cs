using System.Globalization;
using System.Text;

namespace Serverless.Forecasting.Import;

/// <summary>Collects rejected rows so good rows can go on; writable as CSV for a person to fix.</summary>
public sealed class Quarantine
{
    private readonly List<QuarantineRecord> _records = [];
    private readonly object _gate = new();

    public IReadOnlyList<QuarantineRecord> Records
    {
        get { lock (_gate) return _records.ToList(); }
    }

    public int Count
    {
        get { lock (_gate) return _records.Count; }
    }

    public void Add(QuarantineRecord record)
    {
        lock (_gate) _records.Add(record);
    }

    /// <summary>Writes <c>file,line,field,reason,raw</c> with CSV quoting.</summary>
    public void WriteCsv(TextWriter writer)
    {
        writer.Write("file,line,field,reason,raw\n");
        foreach (var r in Records)
        {
            writer.Write(Quote(r.File));
            writer.Write(',');
            writer.Write(r.Line.ToString(CultureInfo.InvariantCulture));
            writer.Write(',');
            writer.Write(Quote(r.Field));
            writer.Write(',');
            writer.Write(Quote(r.Reason));
            writer.Write(',');
            writer.Write(Quote(r.RawText));
            writer.Write('\n');
        }
    }

    private static string Quote(string value)
    {
        if (value.IndexOfAny([',', '"', '\n', '\r']) < 0) return value;
        var text = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value) text.Append(c == '"' ? "\"\"" : c.ToString());
        return text.Append('"').ToString();
    }
}
