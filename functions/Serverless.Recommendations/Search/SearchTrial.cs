using Serverless.Recommendations.Evaluation;
using Serverless.Recommendations.Models;

namespace Serverless.Recommendations.Search;

/// <summary>One point of the search: its place in the trial order and the recipe to train.</summary>
/// <param name="IsDefaults">The service's configured parameters (trial 0, always run first).</param>
public sealed record SearchTrial(int Index, ModelRecipe Recipe, bool IsDefaults);

/// <summary>A trial measured on the validation split.</summary>
public sealed record SearchTrialResult(int Index, ModelRecipe Recipe, bool IsDefaults, MetricSet Validation, double Seconds)
{
    public string Description => Recipe.Describe();
}
