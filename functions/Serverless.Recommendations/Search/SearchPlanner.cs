using System.Globalization;
using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.ItemItem;
using Serverless.Recommendations.Models;

namespace Serverless.Recommendations.Search;

/// <summary>
/// Turns a search space into the ordered list of trials: the configured parameters first, then the EASE points
/// (few by design, and a different family worth one look each), then the ALS grid in an order shuffled by the
/// seed; the trial budget keeps the first ones. The same space, defaults, catalogue size and seed always give
/// the same trials.
/// </summary>
public static class SearchPlanner
{
    /// <param name="defaults">The service's configured ALS parameters: trial 0, and the source of the ALS settings the space does not vary (CG steps, seed, initial scale).</param>
    /// <param name="items">Catalogue size of the data (decides whether EASE points are valid).</param>
    /// <exception cref="SearchSpaceException">A value or budget is unusable, or the space has no valid point.</exception>
    public static IReadOnlyList<SearchTrial> Plan(SearchSpace space, AlsOptions defaults, int items, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(defaults);
        space.Validate();

        var als = new List<ModelRecipe>();
        foreach (var weighting in space.Weightings)
        foreach (var factors in space.Factors)
        foreach (var regularization in space.Regularization)
        foreach (var alpha in space.Alpha)
        foreach (var iterations in space.Iterations)
        {
            als.Add(ModelRecipe.ForAls(defaults with
            {
                Factors = factors, Regularization = regularization, Alpha = alpha, Iterations = iterations, Weighting = weighting,
            }));
        }

        var ease = new List<ModelRecipe>();
        var easeFits = items <= space.EaseMaxItems;
        if (easeFits)
        {
            foreach (var weighting in space.EaseWeightings)
            foreach (var regularization in space.EaseRegularization)
            {
                ease.Add(ModelRecipe.ForEase(new EaseOptions { Regularization = regularization, Weighting = weighting }));
            }
        }

        if (als.Count == 0 && ease.Count == 0) throw new SearchSpaceException("search", "the search space has no valid point: " + WhyEmpty(space, items, easeFits));

        var random = new DeterministicRandom(seed);
        var easeOrder = ease.ToArray();
        random.Shuffle(easeOrder.AsSpan());
        var alsOrder = als.ToArray();
        random.Shuffle(alsOrder.AsSpan());

        var configured = ModelRecipe.ForAls(defaults);
        var trials = new List<SearchTrial> { new(0, configured, IsDefaults: true) };
        var seen = new HashSet<string>(StringComparer.Ordinal) { configured.ToCanonicalString() };
        foreach (var recipe in easeOrder.Concat(alsOrder))
        {
            if (trials.Count >= space.MaxTrials) break;
            if (seen.Add(recipe.ToCanonicalString())) trials.Add(new SearchTrial(trials.Count, recipe, IsDefaults: false));
        }
        return trials;
    }

    private static string WhyEmpty(SearchSpace space, int items, bool easeFits)
    {
        var empty = new[] { ("factors", space.Factors.Count), ("regularization", space.Regularization.Count), ("alpha", space.Alpha.Count),
            ("iterations", space.Iterations.Count), ("weightings", space.Weightings.Count) }.Where(p => p.Item2 == 0).Select(p => $"'{p.Item1}'").ToArray();
        var alsWhy = $"ALS has no combination ({string.Join(", ", empty)} {(empty.Length == 1 ? "lists" : "list")} no value)";
        string easeWhy;
        if (space.EaseRegularization.Count == 0 || space.EaseWeightings.Count == 0) easeWhy = "EASE has no combination ('easeRegularization' or 'easeWeightings' lists no value)";
        else if (!easeFits) easeWhy = string.Create(CultureInfo.InvariantCulture, $"EASE does not apply to {items:N0} items (easeMaxItems {space.EaseMaxItems:N0})");
        else easeWhy = "";
        return string.Join("; ", new[] { alsWhy, easeWhy }.Where(s => s.Length > 0)) + ".";
    }
}
