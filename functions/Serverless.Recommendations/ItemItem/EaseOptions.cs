using System.Globalization;
using Serverless.Recommendations.Data;

namespace Serverless.Recommendations.ItemItem;

/// <summary>Parameters of EASE (Steck 2019): the L2 penalty on the item-item weights and how interactions are weighted.</summary>
public sealed record EaseOptions
{
    /// <summary>
    /// L2 regularisation added to the diagonal of the item Gram matrix. It competes with the co-occurrence
    /// counts, so useful values grow with the data (hundreds for the built-in services).
    /// </summary>
    public float Regularization { get; init; } = 500f;

    /// <summary>How the summed weight becomes a matrix entry; EASE is usually run on binary data.</summary>
    public ConfidenceWeighting Weighting { get; init; } = ConfidenceWeighting.Binary;

    public static EaseOptions Default { get; } = new();

    public string ToCanonicalString() => string.Create(CultureInfo.InvariantCulture,
        $"regularization={Regularization:R};weighting={Weighting.ToString().ToLowerInvariant()}");

    public void Validate()
    {
        if (!(Regularization > 0) || !float.IsFinite(Regularization)) throw new ArgumentOutOfRangeException(nameof(Regularization), Regularization, "Regularization must be positive and finite.");
        if (!Enum.IsDefined(Weighting)) throw new ArgumentOutOfRangeException(nameof(Weighting), Weighting, "Unknown weighting.");
    }
}
