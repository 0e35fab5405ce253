namespace Serverless.Recommendations.Data;

/// <summary>What the business rules know about an item: its category and when it was added (Unix ms, UTC).</summary>
public sealed record ItemInfo(string Category, long? AddedMs = null);

/// <summary>The outcome of importing a catalogue file.</summary>
public sealed record ItemCatalogImportResult(string File, ItemCatalog Catalog, IReadOnlyList<QuarantinedRow> Quarantine);

/// <summary>
/// Item metadata for one service, read from <c>item,category[,added]</c>. Items missing from the
/// catalogue belong to no category (category rules leave them alone).
/// </summary>
public sealed class ItemCatalog
{
    private readonly Dictionary<string, ItemInfo> _items;

    public ItemCatalog(IEnumerable<KeyValuePair<string, ItemInfo>> items)
    {
        _items = new Dictionary<string, ItemInfo>(StringComparer.Ordinal);
        foreach (var (id, info) in items)
        {
            if (!_items.TryAdd(id, info)) throw new ArgumentException($"Item '{id}' appears twice in the catalogue.", nameof(items));
        }
    }

    public static ItemCatalog Empty { get; } = new([]);

    public int Count => _items.Count;

    public IEnumerable<string> ItemIds => _items.Keys;

    public IReadOnlySet<string> Categories => _items.Values.Select(v => v.Category).ToHashSet(StringComparer.Ordinal);

    public bool TryGet(string item, out ItemInfo info) => _items.TryGetValue(item, out info!);

    public string? CategoryOf(string item) => _items.TryGetValue(item, out var info) ? info.Category : null;

    public static ItemCatalogImportResult Import(TextReader reader, string fileName)
    {
        var header = reader.ReadLine();
        if (header is null || header.Trim('\uFEFF', ' ', '\t').Length == 0)
        {
            throw new DataImportException(fileName, 1, "header", "the file is empty; expected the header 'item,category[,added]'");
        }
        var fields = new List<string>(4);
        CsvFields.TrySplit(header.TrimStart('\uFEFF'), fields);
        var withAdded = fields.Count == 3 && fields[2].Equals("added", StringComparison.OrdinalIgnoreCase);
        if (fields.Count is < 2 or > 3 || !fields[0].Equals("item", StringComparison.OrdinalIgnoreCase)
            || !fields[1].Equals("category", StringComparison.OrdinalIgnoreCase) || (fields.Count == 3 && !withAdded))
        {
            throw new DataImportException(fileName, 1, "header", $"expected the header 'item,category' or 'item,category,added', found '{header}'");
        }

        var expected = withAdded ? 3 : 2;
        var items = new Dictionary<string, ItemInfo>(StringComparer.Ordinal);
        var quarantine = new List<QuarantinedRow>();
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string? field = null, reason = null;
            long? added = null;
            if (!CsvFields.TrySplit(line, fields)) (field, reason) = ("row", "a quoted field is not closed");
            else if (fields.Count != expected) (field, reason) = ("row", $"expected {expected} fields, found {fields.Count}");
            else if (fields[0].Length == 0) (field, reason) = ("item", "the item id is empty");
            else if (fields[1].Length == 0) (field, reason) = ("category", "the category is empty");
            else if (items.ContainsKey(fields[0])) (field, reason) = ("item", $"item '{fields[0]}' is already listed");
            else if (withAdded && fields[2].Length > 0)
            {
                if (InteractionCsv.TryParseTimestamp(fields[2], out var ms)) added = ms;
                else (field, reason) = ("added", $"'{fields[2]}' is not an ISO 8601 timestamp");
            }

            if (reason is not null) quarantine.Add(new QuarantinedRow(fileName, lineNumber, field!, reason, line));
            else items.Add(fields[0], new ItemInfo(fields[1], added));
        }
        return new ItemCatalogImportResult(fileName, new ItemCatalog(items), quarantine);
    }

    public void WriteCsv(TextWriter writer)
    {
        writer.WriteLine("item,category,added");
        foreach (var (id, info) in _items.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var added = info.AddedMs is { } ms ? InteractionCsv.FormatTimestamp(ms) : "";
            writer.WriteLine($"{CsvFields.Escape(id)},{CsvFields.Escape(info.Category)},{added}");
        }
    }
}
