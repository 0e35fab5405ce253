using System.Globalization;
using Serverless.Recommendations.Data;

namespace Serverless.Recommendations.Search;

/// <summary>
/// A service's hyper-parameter search: the values tried for each ALS parameter (every combination is a
/// point), the EASE points for small catalogues, the budget and how the validation split is carved.
/// The defaults are a modest grid around the library's ALS defaults.
/// </summary>
public sealed record SearchSpace
{
    public IReadOnlyList<int> Factors { get; init; } = [32, 64, 128];

    /// <summary>ALS lambda values.</summary>
    public IReadOnlyList<float> Regularization { get; init; } = [25f, 50f, 100f];

    public IReadOnlyList<float> Alpha { get; init; } = [1f, 3f, 8f];

    public IReadOnlyList<int> Iterations { get; init; } = [15];

    /// <summary>ALS confidence weightings.</summary>
    public IReadOnlyList<ConfidenceWeighting> Weightings { get; init; } =
        [ConfidenceWeighting.Raw, ConfidenceWeighting.Log, ConfidenceWeighting.Bm25, ConfidenceWeighting.Binary];

    /// <summary>EASE lambda values; empty leaves EASE out.</summary>
    public IReadOnlyList<float> EaseRegularization { get; init; } = [200f, 500f, 1000f];

    public IReadOnlyList<ConfidenceWeighting> EaseWeightings { get; init; } = [ConfidenceWeighting.Binary];

    /// <summary>
    /// EASE only for catalogues up to this size: it holds items x items matrices (24 bytes per pair while solving:
    /// 600 MB at 5,000 items) and its solve grows with the cube of the catalogue.
    /// </summary>
    public int EaseMaxItems { get; init; } = 5000;

    /// <summary>The trial budget, the service's configured parameters included.</summary>
    public int MaxTrials { get; init; } = 16;

    /// <summary>
    /// An optional time budget: no new wave of trials starts once this many seconds have passed since the
    /// first began (the first wave always runs). Which trials ran then depends on the machine's speed; the
    /// trial budget alone is reproducible.
    /// </summary>
    public double? MaxSeconds { get; init; }

    /// <summary>Trials run side by side (one wave of activities at a time).</summary>
    public int ParallelTrials { get; init; } = 2;

    /// <summary>The share of the gate's training part held out to score trials.</summary>
    public double ValidationFraction { get; init; } = 0.25;

    /// <summary>Seed of the trial order; null uses the service's ALS seed.</summary>
    public ulong? Seed { get; init; }

    public static SearchSpace Default { get; } = new();

    /// <summary>Checks every value on its own; an error names the field (and the position in a list).</summary>
    /// <exception cref="SearchSpaceException">A value or a budget cannot be used.</exception>
    public void Validate()
    {
        if (MaxTrials < 1) throw new SearchSpaceException("maxTrials", $"a budget of {MaxTrials} trials leaves nothing to search; give at least 1 (1 trains the configured parameters only)");
        if (MaxSeconds is { } seconds && (!(seconds > 0) || !double.IsFinite(seconds)))
        {
            throw new SearchSpaceException("maxSeconds", $"a time budget of {seconds.ToString(CultureInfo.InvariantCulture)} s leaves nothing to search; give a positive number of seconds or leave it out");
        }
        if (ParallelTrials < 1) throw new SearchSpaceException("parallelTrials", $"must be at least 1, got {ParallelTrials}");
        if (ValidationFraction is <= 0 or >= 1 || double.IsNaN(ValidationFraction))
        {
            throw new SearchSpaceException("validationFraction", $"must be within (0, 1), got {ValidationFraction.ToString(CultureInfo.InvariantCulture)}");
        }
        if (EaseMaxItems < 0) throw new SearchSpaceException("easeMaxItems", $"cannot be negative, got {EaseMaxItems}");
        Each(Factors, "factors", v => v >= 1, "must be at least 1");
        Each(Iterations, "iterations", v => v >= 1, "must be at least 1");
        Each(Regularization, "regularization", v => v > 0 && float.IsFinite(v), "must be positive and finite");
        Each(Alpha, "alpha", v => v >= 0 && float.IsFinite(v), "must be non-negative and finite");
        Each(Weightings, "weightings", Enum.IsDefined, "is not a known weighting");
        Each(EaseRegularization, "easeRegularization", v => v > 0 && float.IsFinite(v), "must be positive and finite");
        Each(EaseWeightings, "easeWeightings", Enum.IsDefined, "is not a known weighting");
    }

    private static void Each<T>(IReadOnlyList<T>? values, string field, Func<T, bool> valid, string rule)
    {
        if (values is null) throw new SearchSpaceException(field, "must be a list (empty to leave the parameter's points out)");
        for (var i = 0; i < values.Count; i++)
        {
            if (!valid(values[i])) throw new SearchSpaceException($"{field}[{i}]", string.Create(CultureInfo.InvariantCulture, $"{rule}, got {values[i]}"));
        }
    }
}

/// <summary>A search space or budget that cannot be used; <see cref="Field"/> names the setting.</summary>
public sealed class SearchSpaceException : Exception
{
    public SearchSpaceException(string field, string reason) : base($"field '{field}': {reason}")
    {
        Field = field;
        Reason = reason;
    }

    public string Field { get; }

    /// <summary>The message without the field.</summary>
    public string Reason { get; }
}
