using System.Text.Json.Serialization;

namespace Serverless.Experiments.Allocation;

/// <summary>The share of new users one variant receives.</summary>
public sealed record VariantWeight(string VariantId, double Weight);

/// <summary>
/// Weights over an experiment's variants, in the definition's order. Always a distribution: every weight finite
/// and non-negative, summing to one within <see cref="Tolerance"/>.
/// </summary>
public sealed class AllocationWeights : IEquatable<AllocationWeights>
{
    public const double Tolerance = 1e-9;

    [JsonConstructor]
    public AllocationWeights(IReadOnlyList<VariantWeight> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Count == 0) throw new ArgumentException("weights must name at least one variant", nameof(weights));
        var sum = 0.0;
        foreach (var w in weights)
        {
            if (!double.IsFinite(w.Weight) || w.Weight < 0)
            {
                throw new ArgumentException($"weight of variant '{w.VariantId}' must be finite and non-negative, got {w.Weight}", nameof(weights));
            }
            sum += w.Weight;
        }
        // Definitions allow a looser tolerance (people type weights); renormalise so stored weights are exact.
        if (Math.Abs(sum - 1) > Definitions.ExperimentDefinition.WeightTolerance)
        {
            throw new ArgumentException($"weights must sum to 1, they sum to {sum:R}", nameof(weights));
        }
        Weights = weights.Select(w => w with { Weight = w.Weight / sum }).ToList();
    }

    public IReadOnlyList<VariantWeight> Weights { get; }

    public int Count => Weights.Count;

    public double this[int index] => Weights[index].Weight;

    public double WeightOf(string variantId)
    {
        foreach (var w in Weights)
        {
            if (string.Equals(w.VariantId, variantId, StringComparison.Ordinal)) return w.Weight;
        }
        throw new KeyNotFoundException($"no weight for variant '{variantId}'");
    }

    /// <summary>Weights aligned with <paramref name="variantIds"/>; throws when the variant sets differ.</summary>
    public double[] AlignTo(IReadOnlyList<string> variantIds)
    {
        if (variantIds.Count != Weights.Count)
        {
            throw new InvalidOperationException($"weights name {Weights.Count} variants, the experiment has {variantIds.Count}");
        }
        return variantIds.Select(WeightOf).ToArray();
    }

    public bool Equals(AllocationWeights? other) =>
        other is not null && other.Weights.Count == Weights.Count && Weights.Zip(other.Weights).All(p => p.First == p.Second);

    public override bool Equals(object? obj) => Equals(obj as AllocationWeights);

    public override int GetHashCode() => Weights.Aggregate(0, (h, w) => HashCode.Combine(h, w.VariantId, w.Weight));

    public override string ToString() => string.Join(", ", Weights.Select(w => $"{w.VariantId}={w.Weight:0.####}"));
}
