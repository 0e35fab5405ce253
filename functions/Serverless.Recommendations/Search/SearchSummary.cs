using Serverless.Recommendations.Evaluation;
using Serverless.Recommendations.Models;

namespace Serverless.Recommendations.Search;

/// <summary>
/// The search table and its winner: every trial that ran with its validation figures, in trial order; the winner
/// has the highest NDCG@K (ties to the earlier trial, so the configured parameters win a tie).
/// </summary>
/// <param name="Planned">Trials the budget allowed.</param>
/// <param name="StoppedBy">Why fewer than planned ran (the time budget), or null.</param>
public sealed record SearchSummary(
    string ValidationSplit,
    int TrainInteractions,
    int ValidationInteractions,
    int Planned,
    string? StoppedBy,
    SearchTrialResult Winner,
    SearchTrialResult Defaults,
    IReadOnlyList<SearchTrialResult> Trials)
{
    public ModelRecipe WinnerRecipe => Winner.Recipe;

    /// <summary>Picks the winner from the trials that ran (trial 0, the configured parameters, must be among them).</summary>
    public static SearchSummary Select(string validationSplit, int trainInteractions, int validationInteractions, int planned,
        string? stoppedBy, IEnumerable<SearchTrialResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var trials = results.OrderBy(r => r.Index).ToArray();
        var defaults = trials.FirstOrDefault(t => t.IsDefaults)
            ?? throw new ArgumentException("The configured parameters (trial 0) must be among the results.", nameof(results));
        var winner = trials.Aggregate((best, next) => next.Validation.Ndcg > best.Validation.Ndcg ? next : best);
        return new SearchSummary(validationSplit, trainInteractions, validationInteractions, planned, stoppedBy, winner, defaults, trials);
    }
}
