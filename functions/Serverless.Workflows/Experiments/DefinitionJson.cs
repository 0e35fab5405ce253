using System.Globalization;
using System.Text.Json;
using Serverless.Experiments.Definitions;

namespace Serverless.Workflows.Experiments;

/// <summary>
/// Writes a validated definition back in the loader's own JSON shape, so what is stored can be loaded again with
/// <see cref="ExperimentDefinitionLoader.LoadOne(string, string)"/> and compared byte for byte.
/// </summary>
public static class DefinitionJson
{
    public static JsonElement ToJson(ExperimentDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("id", definition.Id);
            writer.WriteString("control", definition.ControlVariantId);
            writer.WriteString("primaryMetric", definition.PrimaryMetric == PrimaryMetric.Conversion ? "conversion" : "valuePerUser");
            writer.WriteString("mode", definition.Mode == AllocationMode.FixedSplit ? "fixed" : "thompson");
            writer.WriteNumber("minimumExposurePerVariant", definition.MinimumExposurePerVariant);
            writer.WriteNumber("floorWeight", definition.FloorWeight);
            writer.WriteNumber("maxWeightStep", definition.MaxWeightStep);
            writer.WriteString("start", Instant(definition.Start));
            if (definition.Stop is { } stop) writer.WriteString("stop", Instant(stop));
            writer.WriteStartArray("variants");
            foreach (var variant in definition.Variants)
            {
                writer.WriteStartObject();
                writer.WriteString("id", variant.Id);
                writer.WriteNumber("weight", variant.InitialWeight);
                writer.WriteStartObject("parameters");
                foreach (var (key, value) in variant.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal)) writer.WriteString(key, value);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        using var document = JsonDocument.Parse(stream.ToArray());
        return document.RootElement.Clone();
    }

    private static string Instant(DateTimeOffset instant) =>
        instant == DateTimeOffset.MinValue ? "0001-01-01T00:00:00Z" : instant.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
}
