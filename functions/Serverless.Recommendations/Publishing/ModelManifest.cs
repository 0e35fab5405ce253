using System.Text.Json.Serialization;
using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.ItemItem;
using Serverless.Recommendations.Models;

namespace Serverless.Recommendations.Publishing;

/// <summary>
/// What made a model: its family and parameters, the hash of its data and when that data ends, the code
/// version and backend, and the metrics and timings measured for it. Stored beside every model.
/// </summary>
public sealed record ModelManifest
{
    public const string AlsKind = "implicit-als";
    public const string EaseKind = "ease";

    /// <summary><see cref="AlsKind"/> or <see cref="EaseKind"/>.</summary>
    public string Kind { get; init; } = AlsKind;

    public required string ModelVersion { get; init; }

    /// <summary>The ALS parameters (ALS models).</summary>
    public AlsOptions? Parameters { get; init; }

    /// <summary>The EASE parameters (EASE models).</summary>
    public EaseOptions? Ease { get; init; }

    public required string DataHash { get; init; }

    /// <summary>The latest interaction time of the training data (null when it has no timestamps): the champion's time cut.</summary>
    public DateTimeOffset? DataEndUtc { get; init; }
    public required string CodeVersion { get; init; }
    public required string Backend { get; init; }
    public required int Users { get; init; }
    public required int Items { get; init; }
    public required int Interactions { get; init; }

    /// <summary>Evaluation figures, for example <c>random.model.ndcg@10</c>.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>Wall-clock seconds per phase, for example <c>factorize</c>.</summary>
    public IReadOnlyDictionary<string, double> TimingsSeconds { get; init; } = new Dictionary<string, double>();

    /// <summary>The family and parameters, from <see cref="Kind"/> and the matching parameters.</summary>
    [JsonIgnore]
    public ModelRecipe Recipe => Kind switch
    {
        EaseKind => ModelRecipe.ForEase(Ease ?? throw new InvalidDataException($"Manifest of {ModelVersion}: an EASE model without its EASE parameters.")),
        _ => ModelRecipe.ForAls(Parameters ?? throw new InvalidDataException($"Manifest of {ModelVersion}: an ALS model without its parameters.")),
    };

    public static string KindOf(ModelFamily family) => family == ModelFamily.Ease ? EaseKind : AlsKind;

    /// <summary>A copy with these metrics added (or replaced).</summary>
    public ModelManifest WithMetrics(IEnumerable<KeyValuePair<string, double>> metrics)
    {
        var merged = new Dictionary<string, double>(Metrics);
        foreach (var (name, value) in metrics) merged[name] = value;
        return this with { Metrics = merged };
    }
}
