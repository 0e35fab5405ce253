using Serverless.Recommendations.Factorization;

namespace Serverless.Recommendations.Publishing;

/// <summary>
/// What made a model: its parameters, the hash of its data, the code version and backend, and
/// the metrics and timings measured for it. Stored beside every model.
/// </summary>
public sealed record ModelManifest
{
    public string Kind { get; init; } = "implicit-als";
    public required string ModelVersion { get; init; }
    public required AlsOptions Parameters { get; init; }
    public required string DataHash { get; init; }
    public required string CodeVersion { get; init; }
    public required string Backend { get; init; }
    public required int Users { get; init; }
    public required int Items { get; init; }
    public required int Interactions { get; init; }

    /// <summary>Evaluation figures, for example <c>random.model.ndcg@10</c>.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>Wall-clock seconds per phase, for example <c>factorize</c>.</summary>
    public IReadOnlyDictionary<string, double> TimingsSeconds { get; init; } = new Dictionary<string, double>();

    /// <summary>A copy with these metrics added (or replaced).</summary>
    public ModelManifest WithMetrics(IEnumerable<KeyValuePair<string, double>> metrics)
    {
        var merged = new Dictionary<string, double>(Metrics);
        foreach (var (name, value) in metrics) merged[name] = value;
        return this with { Metrics = merged };
    }
}
