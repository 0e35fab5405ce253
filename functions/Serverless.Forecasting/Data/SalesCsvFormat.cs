using System.Globalization;

namespace Serverless.Forecasting.Data;

/// <summary>Writes the common sales shape <c>date,store,item,sales[,price]</c>.</summary>
public static class SalesCsvFormat
{
    public const string Header = "date,store,item,sales";
    public const string HeaderWithPrice = "date,store,item,sales,price";

    public static string FormatDate(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static void Write(TextWriter writer, IEnumerable<SalesRecord> records, bool includePrice, Action<SalesRecord>? onEach = null)
    {
        writer.Write(includePrice ? HeaderWithPrice : Header);
        writer.Write('\n');
        Span<char> buffer = stackalloc char[32];
        foreach (var r in records)
        {
            r.Date.TryFormat(buffer, out var written, "yyyy-MM-dd", CultureInfo.InvariantCulture);
            writer.Write(buffer[..written]);
            writer.Write(',');
            writer.Write(r.Store);
            writer.Write(',');
            writer.Write(r.Item);
            writer.Write(',');
            r.Sales.TryFormat(buffer, out written, "0.###", CultureInfo.InvariantCulture);
            writer.Write(buffer[..written]);
            if (includePrice)
            {
                writer.Write(',');
                if (!float.IsNaN(r.Price))
                {
                    r.Price.TryFormat(buffer, out written, "0.##", CultureInfo.InvariantCulture);
                    writer.Write(buffer[..written]);
                }
            }
            writer.Write('\n');
            onEach?.Invoke(r);
        }
    }
}
