using System.Globalization;
using System.Text;
using System.Text.Json;
using Serverless.Experiments.Definitions;
using Serverless.Experiments.Events;

namespace Serverless.Experiments.Tests;

/// <summary>Definitions and event text shared by the tests.</summary>
internal static class Fixtures
{
    public static readonly DateTimeOffset Start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset Stop = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    public static ExperimentDefinition Experiment(
        string id = "ranker", int variants = 2, AllocationMode mode = AllocationMode.FixedSplit, PrimaryMetric metric = PrimaryMetric.Conversion,
        double[]? weights = null, double floor = 0.05, double step = 0.1, long minimumExposure = 0)
    {
        weights ??= Enumerable.Repeat(1.0 / variants, variants).ToArray();
        var list = Enumerable.Range(0, variants)
            .Select(i => new VariantDefinition(VariantId(i), new Dictionary<string, string> { ["model"] = $"als/v{i + 1}" }, weights[i]))
            .ToList();
        return ExperimentDefinition.Create(id, list, "control", metric, mode, minimumExposure, floor, step, Start, Stop);
    }

    public static string VariantId(int index) => index == 0 ? "control" : $"treatment{index}";

    public static string Event(string eventId, string experiment, string variant, string user, string type, DateTimeOffset timestamp, double? value = null)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("eventId", eventId);
            writer.WriteString("experiment", experiment);
            writer.WriteString("variant", variant);
            writer.WriteString("user", user);
            writer.WriteString("type", type);
            if (value is { } v) writer.WriteNumber("value", v);
            writer.WriteString("timestamp", timestamp.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static byte[] Lines(IEnumerable<string> records) => Encoding.UTF8.GetBytes(string.Join("\n", records) + "\n");

    public static byte[] Array(IEnumerable<string> records) => Encoding.UTF8.GetBytes("[" + string.Join(",\n", records) + "]");

    public static EventBatch ParseLines(ExperimentCatalog catalog, IEnumerable<string> records, string source = "events.jsonl")
    {
        using var parser = new EventBatchParser(catalog);
        return parser.ParseJsonLines(Lines(records), source);
    }
}
