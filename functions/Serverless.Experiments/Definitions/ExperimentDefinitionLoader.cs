using System.Globalization;
using System.Text;
using System.Text.Json;
using Serverless.Experiments.Serialization;

namespace Serverless.Experiments.Definitions;

/// <summary>
/// Loads experiment definitions from JSON: a configuration file (<c>{"experiments": [...]}</c>), a JSON array,
/// or one experiment object (an HTTP body). Every problem is reported with source, line and field.
/// </summary>
/// <example>
/// <code>
/// { "id": "ranker-2026-11", "control": "als-v1", "primaryMetric": "conversion", "mode": "thompson",
///   "minimumExposurePerVariant": 1000, "floorWeight": 0.05, "maxWeightStep": 0.1,
///   "start": "2026-11-01T00:00:00Z", "stop": "2026-12-01T00:00:00Z",
///   "variants": [ { "id": "als-v1", "weight": 0.5, "parameters": { "model": "als/v1" } },
///                 { "id": "als-v2", "weight": 0.5, "parameters": { "model": "als/v2" } } ] }
/// </code>
/// </example>
public static class ExperimentDefinitionLoader
{
    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
    private static readonly JsonDocumentOptions DocumentOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static IReadOnlyList<ExperimentDefinition> LoadFile(string path) => Load(File.ReadAllBytes(path), Path.GetFileName(path));

    public static IReadOnlyList<ExperimentDefinition> Load(string json, string sourceName) => Load(Encoding.UTF8.GetBytes(json), sourceName);

    /// <summary>Loads one or many definitions; throws <see cref="ExperimentDefinitionException"/> listing every problem.</summary>
    public static IReadOnlyList<ExperimentDefinition> Load(ReadOnlySpan<byte> utf8Json, string sourceName)
    {
        if (utf8Json.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) utf8Json = utf8Json[3..];
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json.ToArray(), DocumentOptions);
        }
        catch (JsonException ex)
        {
            throw new ExperimentDefinitionException([
                new DefinitionError(sourceName, (int?)ex.LineNumber + 1, ex.Path ?? "$", null, "malformed JSON: " + FirstSentence(ex.Message))]);
        }

        using (document)
        {
            var lines = JsonLineMap.Build(utf8Json, ReaderOptions);
            var errors = new List<DefinitionError>();
            var elements = new List<(JsonElement Element, string Path)>();
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array)
            {
                var i = 0;
                foreach (var item in root.EnumerateArray()) elements.Add((item, $"$[{i++}]"));
            }
            else if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("experiments", out var list))
            {
                if (list.ValueKind != JsonValueKind.Array)
                {
                    throw new ExperimentDefinitionException([
                        new DefinitionError(sourceName, lines.LineOf("$.experiments"), "$.experiments", null, "'experiments' must be an array")]);
                }
                var i = 0;
                foreach (var item in list.EnumerateArray()) elements.Add((item, $"$.experiments[{i++}]"));
            }
            else if (root.ValueKind == JsonValueKind.Object)
            {
                elements.Add((root, "$"));
            }
            else
            {
                throw new ExperimentDefinitionException([
                    new DefinitionError(sourceName, 1, "$", null, "expected an experiment object, an array of them, or {\"experiments\": [...]}")]);
            }

            var definitions = new List<ExperimentDefinition>();
            var ids = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (element, path) in elements)
            {
                var definition = ReadOne(element, path, sourceName, lines, errors);
                if (definition is null) continue;
                if (!ids.Add(definition.Id))
                {
                    errors.Add(new DefinitionError(sourceName, lines.LineOf(path + ".id"), path + ".id", definition.Id, $"duplicate experiment id '{definition.Id}'"));
                    continue;
                }
                definitions.Add(definition);
            }
            if (errors.Count > 0) throw new ExperimentDefinitionException(errors);
            return definitions;
        }
    }

    /// <summary>Loads exactly one definition (for example an HTTP body).</summary>
    public static ExperimentDefinition LoadOne(ReadOnlySpan<byte> utf8Json, string sourceName)
    {
        var all = Load(utf8Json, sourceName);
        if (all.Count != 1)
        {
            throw new ExperimentDefinitionException([new DefinitionError(sourceName, 1, "$", null, $"expected exactly one experiment, found {all.Count}")]);
        }
        return all[0];
    }

    public static ExperimentDefinition LoadOne(string json, string sourceName) => LoadOne(Encoding.UTF8.GetBytes(json), sourceName);

    private static ExperimentDefinition? ReadOne(JsonElement element, string path, string source, JsonLineMap lines, List<DefinitionError> errors)
    {
        int? LineOf(string p) => lines.LineOf(p) ?? lines.LineOf(path);
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new DefinitionError(source, LineOf(path), path, null, $"an experiment must be a JSON object, got {element.ValueKind}"));
            return null;
        }

        ExperimentDocument? document;
        try
        {
            document = element.Deserialize(InternalJsonContext.Default.ExperimentDocument);
        }
        catch (JsonException ex)
        {
            var field = path + (ex.Path is { Length: > 1 } relative ? relative[1..] : "");
            errors.Add(new DefinitionError(source, LineOf(field), field, TryGetId(element), FirstSentence(ex.Message)));
            return null;
        }
        if (document is null) return null;

        var id = document.Id ?? "";
        var before = errors.Count;
        void Fail(string field, string message) => errors.Add(new DefinitionError(source, LineOf(field), field, id, message));

        var metric = PrimaryMetric.Conversion;
        switch (document.PrimaryMetric?.ToLowerInvariant())
        {
            case null or "conversion": break;
            case "valueperuser": metric = PrimaryMetric.ValuePerUser; break;
            default: Fail(path + ".primaryMetric", $"unknown primary metric '{document.PrimaryMetric}' (expected 'conversion' or 'valuePerUser')"); break;
        }

        var mode = AllocationMode.FixedSplit;
        switch (document.Mode?.ToLowerInvariant())
        {
            case null or "fixed": break;
            case "thompson": mode = AllocationMode.ThompsonSampling; break;
            default: Fail(path + ".mode", $"unknown mode '{document.Mode}' (expected 'fixed' or 'thompson')"); break;
        }

        DateTimeOffset? ParseTime(string? text, string field, bool required)
        {
            if (text is null)
            {
                if (required) Fail(path + "." + field, $"'{field}' is required (an ISO 8601 instant)");
                return null;
            }
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)) return value;
            Fail(path + "." + field, $"'{text}' is not an ISO 8601 instant");
            return null;
        }
        var start = ParseTime(document.Start, "start", required: true);
        var stop = ParseTime(document.Stop, "stop", required: false);

        var variants = new List<VariantDefinition>();
        if (document.Variants is null) Fail(path + ".variants", "'variants' is required");
        else
        {
            for (var i = 0; i < document.Variants.Count; i++)
            {
                var v = document.Variants[i];
                var variantPath = $"{path}.variants[{i}]";
                if (v is null)
                {
                    Fail(variantPath, "a variant must be a JSON object");
                    continue;
                }
                if (v.Weight is null) Fail(variantPath + ".weight", $"'weight' of variant '{v.Id}' is required");
                variants.Add(new VariantDefinition(v.Id ?? "", v.Parameters ?? new Dictionary<string, string>(), v.Weight ?? 0));
            }
        }
        if (document.Control is null) Fail(path + ".control", "'control' is required (the id of the control variant)");
        if (document.Id is null) Fail(path + ".id", "'id' is required");

        if (errors.Count > before) return null;
        return ExperimentDefinition.TryCreate(id, variants, document.Control!, metric, mode,
            document.MinimumExposurePerVariant ?? 0, document.FloorWeight ?? 0, document.MaxWeightStep ?? 1,
            start!.Value, stop, path, errors, source, p => lines.LineOf(p));
    }

    private static string? TryGetId(JsonElement element) =>
        element.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
