using System.Text;
using System.Text.Json;

namespace Serverless.Recommendations.Publishing;

/// <summary>
/// Published lists as JSON Lines (one list per line, so shards append and readers stream), and the
/// manifest as an indented JSON document.
/// </summary>
public static class PublishedListJson
{
    private static readonly JsonSerializerOptions Indented = new(RecommendationsJsonContext.Default.Options) { WriteIndented = true };

    public static void Write(Stream stream, IEnumerable<PublishedList> lists)
    {
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
        foreach (var list in lists)
        {
            writer.Write(JsonSerializer.Serialize(list, RecommendationsJsonContext.Default.PublishedList));
            writer.Write('\n');
        }
    }

    /// <summary>Reads lists written by <see cref="Write"/>; a bad line is an error naming the source and line.</summary>
    public static IReadOnlyList<PublishedList> Read(Stream stream, string source)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        var lists = new List<PublishedList>();
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                lists.Add(JsonSerializer.Deserialize(line, RecommendationsJsonContext.Default.PublishedList)
                    ?? throw new JsonException("null list"));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{source}:{lineNumber}: not a published list: {e.Message}", e);
            }
        }
        return lists;
    }

    /// <summary>User-to-items lists as the evaluator's "lists in service" input (user id to ranked item ids).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> ToServiceLists(IEnumerable<PublishedList> lists) =>
        lists.Where(l => l.Kind == ListKind.UserItems)
            .ToDictionary(l => l.SubjectId, l => (IReadOnlyList<string>)l.Items.Select(i => i.ItemId).ToArray(), StringComparer.Ordinal);

    public static void WriteManifest(Stream stream, ModelManifest manifest) =>
        JsonSerializer.Serialize(stream, manifest, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<ModelManifest>)Indented.GetTypeInfo(typeof(ModelManifest)));

    public static ModelManifest ReadManifest(Stream stream) =>
        JsonSerializer.Deserialize(stream, RecommendationsJsonContext.Default.ModelManifest)
        ?? throw new InvalidDataException("The manifest document is null.");
}
