using System.Text;

namespace Serverless.Recommendations.Data;

/// <summary>Splits and escapes one CSV line (RFC 4180 quoting within a line: "a,b" and "" for a quote).</summary>
internal static class CsvFields
{
    /// <summary>Splits a line into fields; returns false when a quoted field is not closed.</summary>
    public static bool TrySplit(string line, List<string> fields)
    {
        fields.Clear();
        if (!line.Contains('"'))
        {
            foreach (var part in line.Split(',')) fields.Add(part.Trim());
            return true;
        }

        var current = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var ch = line[i];
            if (quoted)
            {
                if (ch != '"') current.Append(ch);
                else if (i + 1 < line.Length && line[i + 1] == '"') { current.Append('"'); i++; }
                else quoted = false;
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { fields.Add(current.ToString().Trim()); current.Clear(); }
            else current.Append(ch);
        }
        fields.Add(current.ToString().Trim());
        return !quoted;
    }

    public static string Escape(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
