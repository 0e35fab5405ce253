namespace Serverless.Workflows.Experiments;

/// <summary>
/// The definitions used when <c>Serverless:Experiments:DefinitionsPath</c> is not set: a Thompson-sampling test of
/// two recommender models judged on conversion, and a fixed 50/50 split of a checkout banner judged on value per user.
/// </summary>
public static class SampleExperiments
{
    public const string SourceName = "built-in sample definitions";

    public const string Json = """
        {
          "experiments": [
            {
              "id": "ranker-2026",
              "control": "als-v1",
              "primaryMetric": "conversion",
              "mode": "thompson",
              "minimumExposurePerVariant": 500,
              "floorWeight": 0.05,
              "maxWeightStep": 0.1,
              "start": "2026-01-01T00:00:00Z",
              "variants": [
                { "id": "als-v1", "weight": 0.5, "parameters": { "model": "als/v1" } },
                { "id": "als-v2", "weight": 0.5, "parameters": { "model": "als/v2" } }
              ]
            },
            {
              "id": "checkout-banner",
              "control": "none",
              "primaryMetric": "valuePerUser",
              "mode": "fixed",
              "start": "2026-01-01T00:00:00Z",
              "variants": [
                { "id": "none", "weight": 0.5, "parameters": { "banner": "off" } },
                { "id": "free-shipping", "weight": 0.5, "parameters": { "banner": "free-shipping" } }
              ]
            }
          ]
        }
        """;
}
