using System.Globalization;
using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.ItemItem;

namespace Serverless.Recommendations.Models;

/// <summary>
/// What to train: a model family and its parameters. With the data hash it identifies a model, so the
/// search, the training step and the gate can hand it to each other as a small record.
/// </summary>
public sealed record ModelRecipe
{
    public ModelFamily Family { get; init; }

    /// <summary>The ALS parameters when <see cref="Family"/> is <see cref="ModelFamily.Als"/>.</summary>
    public AlsOptions? Als { get; init; }

    /// <summary>The EASE parameters when <see cref="Family"/> is <see cref="ModelFamily.Ease"/>.</summary>
    public EaseOptions? Ease { get; init; }

    public static ModelRecipe ForAls(AlsOptions options) => new() { Family = ModelFamily.Als, Als = options ?? throw new ArgumentNullException(nameof(options)) };

    public static ModelRecipe ForEase(EaseOptions options) => new() { Family = ModelFamily.Ease, Ease = options ?? throw new ArgumentNullException(nameof(options)) };

    /// <summary>A stable text form; for ALS exactly <see cref="AlsOptions.ToCanonicalString"/>, so ALS versions stay as they were.</summary>
    public string ToCanonicalString() => Family switch
    {
        ModelFamily.Als => RequireAls().ToCanonicalString(),
        ModelFamily.Ease => "ease;" + RequireEase().ToCanonicalString(),
        _ => throw new InvalidOperationException($"Unknown model family {Family}."),
    };

    /// <summary>"als-" or "ease-" and 12 hex digits of SHA-256 over the recipe and the data hash.</summary>
    public string VersionFor(string dataHash) => Family switch
    {
        ModelFamily.Als => ModelVersion.For(RequireAls(), dataHash),
        ModelFamily.Ease => "ease-" + ContentHash.Short(ContentHash.Of(ToCanonicalString() + "|data=" + dataHash)),
        _ => throw new InvalidOperationException($"Unknown model family {Family}."),
    };

    /// <summary>A short description for reports, for example <c>ALS 64 factors, lambda 50, alpha 3, 15 iterations, raw</c>.</summary>
    public string Describe() => Family switch
    {
        ModelFamily.Als => string.Create(CultureInfo.InvariantCulture,
            $"ALS {RequireAls().Factors} factors, lambda {Als!.Regularization:0.###}, alpha {Als.Alpha:0.###}, {Als.Iterations} iterations, {Name(Als.Weighting)}"),
        ModelFamily.Ease => string.Create(CultureInfo.InvariantCulture, $"EASE lambda {RequireEase().Regularization:0.###}, {Name(Ease!.Weighting)}"),
        _ => Family.ToString(),
    };

    /// <summary>Checks that the parameters of the family are present and valid.</summary>
    public void Validate()
    {
        switch (Family)
        {
            case ModelFamily.Als: RequireAls().Validate(); break;
            case ModelFamily.Ease: RequireEase().Validate(); break;
            default: throw new ArgumentOutOfRangeException(nameof(Family), Family, "Unknown model family.");
        }
    }

    private AlsOptions RequireAls() => Als ?? throw new InvalidOperationException("An ALS recipe needs its ALS parameters.");

    private EaseOptions RequireEase() => Ease ?? throw new InvalidOperationException("An EASE recipe needs its EASE parameters.");

    private static string Name(Data.ConfidenceWeighting weighting) => weighting.ToString().ToLowerInvariant();
}
