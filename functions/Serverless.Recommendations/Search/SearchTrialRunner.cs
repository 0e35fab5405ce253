using System.Diagnostics;
using Serverless.Recommendations.Evaluation;
using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.Models;

namespace Serverless.Recommendations.Search;

/// <summary>One trial of the search: fit the recipe to the validation split's training part, measure it on its held-out part.</summary>
public static class SearchTrialRunner
{
    public static SearchTrialResult Run(DataSplit validation, SearchTrial trial, int k, IAlsBackend backend, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentNullException.ThrowIfNull(trial);
        var started = Stopwatch.GetTimestamp();
        var model = ModelTrainer.Fit(validation.Train, trial.Recipe, backend, cancellationToken);
        var metrics = ChampionChallengerEvaluator.Measure(validation, model, k);
        return new SearchTrialResult(trial.Index, trial.Recipe, trial.IsDefaults, metrics, Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 3));
    }
}
