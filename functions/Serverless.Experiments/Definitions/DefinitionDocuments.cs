using System.Text.Json.Serialization;

namespace Serverless.Experiments.Definitions;

// The JSON shape of a definition, as written by people: everything optional here so that validation,
// not the deserializer, reports what is missing (with the line and field). Unknown properties are refused: a
// misspelt "floorWeigth" must not silently fall back to the default.

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class ExperimentDocument
{
    public string? Id { get; set; }
    public string? Control { get; set; }
    public string? PrimaryMetric { get; set; }
    public string? Mode { get; set; }
    public long? MinimumExposurePerVariant { get; set; }
    public double? FloorWeight { get; set; }
    public double? MaxWeightStep { get; set; }
    public string? Start { get; set; }
    public string? Stop { get; set; }
    public List<VariantDocument?>? Variants { get; set; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class VariantDocument
{
    public string? Id { get; set; }
    public double? Weight { get; set; }
    public Dictionary<string, string>? Parameters { get; set; }
}
