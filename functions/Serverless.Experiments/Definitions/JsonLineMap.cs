using System.Text.Json;

namespace Serverless.Experiments.Definitions;

/// <summary>
/// Maps JSON paths (<c>$.experiments[0].variants[1].id</c>) to 1-based line numbers, so validation errors found
/// after deserialization can still name the line. <see cref="Utf8JsonReader"/> exposes byte offsets only, hence the walk.
/// </summary>
internal sealed class JsonLineMap
{
    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

    private JsonLineMap() { }

    public int? LineOf(string path) => _lines.TryGetValue(path, out var line) ? line : null;

    /// <summary>Walks the document; returns an empty map when the JSON is malformed (the parser reports that error).</summary>
    public static JsonLineMap Build(ReadOnlySpan<byte> utf8, JsonReaderOptions options)
    {
        var map = new JsonLineMap();
        var reader = new Utf8JsonReader(utf8, options);
        var frames = new Stack<(string Path, bool IsArray, int NextIndex)>();
        string pendingPath = "$";
        var lineCounter = new LineCounter(utf8);

        string ValuePath(ref Utf8JsonReader r, ref LineCounter lines)
        {
            if (frames.Count == 0) return "$";
            var top = frames.Pop();
            if (!top.IsArray)
            {
                frames.Push(top);
                return pendingPath;
            }
            var path = $"{top.Path}[{top.NextIndex}]";
            frames.Push(top with { NextIndex = top.NextIndex + 1 });
            map._lines[path] = lines.LineAt(r.TokenStartIndex);
            return path;
        }

        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        pendingPath = $"{frames.Peek().Path}.{reader.GetString()}";
                        map._lines[pendingPath] = lineCounter.LineAt(reader.TokenStartIndex);
                        break;
                    case JsonTokenType.StartObject:
                        frames.Push((ValuePath(ref reader, ref lineCounter), false, 0));
                        break;
                    case JsonTokenType.StartArray:
                        frames.Push((ValuePath(ref reader, ref lineCounter), true, 0));
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        frames.Pop();
                        break;
                    default:
                        ValuePath(ref reader, ref lineCounter);
                        break;
                }
            }
        }
        catch (JsonException)
        {
            // The deserializer reports the syntax error with its own position.
        }
        return map;
    }
}
