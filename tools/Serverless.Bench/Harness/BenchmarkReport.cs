namespace Serverless.Bench.Harness;

/// <summary>One measured figure, for example <c>activities/s = 4,310</c>.</summary>
public sealed record BenchmarkMetric(string Name, double Value, string Unit, string? Note = null);

/// <summary>
/// The outcome of one scenario: its figures, the comparison measured in the same run, and the
/// parameters that produced them.
/// </summary>
public sealed record BenchmarkReport(
    string Scenario,
    IReadOnlyList<BenchmarkMetric> Metrics,
    IReadOnlyDictionary<string, string> Parameters,
    string? Comparison = null,
    bool? GoalMet = null,
    string? GoalText = null);
