using System.Globalization;
using Serverless.Recommendations.Data;

namespace Serverless.Recommendations.Factorization;

/// <summary>
/// Hyper-parameters of implicit-feedback ALS (Hu, Koren and Volinsky 2008) solved by conjugate
/// gradient (Takacs et al. 2011). They, with the data hash, identify a model.
/// </summary>
public sealed record AlsOptions
{
    /// <summary>Latent dimensions of user and item factors.</summary>
    public int Factors { get; init; } = 64;

    /// <summary>Full ALS iterations (each solves all users, then all items).</summary>
    public int Iterations { get; init; } = 15;

    /// <summary>
    /// L2 regularisation (lambda) added to the diagonal of each row's normal equations. It competes
    /// with YtY, a sum over the whole catalogue, so useful values are large; 50 was best on the
    /// built-in data at both its default and benchmark sizes (the als-quality benchmark shows the effect).
    /// </summary>
    public float Regularization { get; init; } = 50f;

    /// <summary>Confidence of an observed interaction is 1 + Alpha * f(weight) (views weigh 1, applications 5), f being <see cref="Weighting"/>.</summary>
    public float Alpha { get; init; } = 3f;

    /// <summary>How the summed weight enters the confidence (raw by default).</summary>
    public ConfidenceWeighting Weighting { get; init; } = ConfidenceWeighting.Raw;

    /// <summary>Conjugate-gradient steps per row and half-iteration, warm-started from the previous factors.</summary>
    public int CgSteps { get; init; } = 3;

    /// <summary>Seed of the initial factors.</summary>
    public ulong Seed { get; init; } = 42;

    /// <summary>Standard deviation of the initial factors.</summary>
    public float InitialScale { get; init; } = 0.01f;

    public static AlsOptions Default { get; } = new();

    /// <summary>
    /// A stable text form of every parameter, the input of version strings. The weighting appears only when it
    /// is not raw, so models trained before it existed keep their versions.
    /// </summary>
    public string ToCanonicalString() => string.Create(CultureInfo.InvariantCulture,
        $"factors={Factors};iterations={Iterations};regularization={Regularization:R};alpha={Alpha:R};cg-steps={CgSteps};seed={Seed};initial-scale={InitialScale:R}")
        + (Weighting == ConfidenceWeighting.Raw ? "" : ";weighting=" + Weighting.ToString().ToLowerInvariant());

    public void Validate()
    {
        if (Factors < 1) throw new ArgumentOutOfRangeException(nameof(Factors), Factors, "Factors must be at least 1.");
        if (Iterations < 0) throw new ArgumentOutOfRangeException(nameof(Iterations), Iterations, "Iterations cannot be negative.");
        if (!(Regularization > 0) || !float.IsFinite(Regularization)) throw new ArgumentOutOfRangeException(nameof(Regularization), Regularization, "Regularization must be positive and finite.");
        if (!(Alpha >= 0) || !float.IsFinite(Alpha)) throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "Alpha must be non-negative and finite.");
        if (CgSteps < 1) throw new ArgumentOutOfRangeException(nameof(CgSteps), CgSteps, "At least one conjugate-gradient step is needed.");
        if (!Enum.IsDefined(Weighting)) throw new ArgumentOutOfRangeException(nameof(Weighting), Weighting, "Unknown confidence weighting.");
        if (!(InitialScale > 0) || !float.IsFinite(InitialScale)) throw new ArgumentOutOfRangeException(nameof(InitialScale), InitialScale, "InitialScale must be positive and finite.");
    }
}
