using System.Globalization;
using Microsoft.DurableTask;
using Serverless.Durable;
using Serverless.Recommendations.Search;

namespace Serverless.Workflows.Recommendations;

/// <summary>
/// The refresh's search step for one service, called by the orchestrator: plan (the gate's split and the trials)
/// -> trials as a fan-out, one wave of <see cref="SearchPlan.ParallelTrials"/> activities at a time -> select the
/// winner. The trial budget is in the plan; the time budget is checked between waves on the orchestration's
/// clock, so a replay takes the same path. Without a configured search there is one trial, the configured
/// parameters, and no fan-out; nor when nothing new arrived since the model in service was trained (see
/// <see cref="RecommendationSearchPlanActivity"/>).
/// </summary>
public static class RecommendationSearch
{
    public static async Task<SearchOutcome> RunAsync(TaskOrchestrationContext context, RefreshPlan plan, string service, ImportedData data)
    {
        var search = await context.CallActivityAsync<SearchPlan>(RecommendationActivityNames.SearchPlan,
            new SearchPlanRequest(plan.SettingsPath, service, plan.RunId, data));
        if (!search.Searching)
        {
            return new SearchOutcome(search.Trials[0].Recipe, null, null, search.GateSplitPath, search.GateSplit, search.GateBasis, search.Champion, search.InServiceVersion, search.Note);
        }

        var started = context.CurrentUtcDateTime;
        var results = new List<SearchTrialResult>();
        string? stoppedBy = null;
        foreach (var wave in search.Trials.Chunk(search.ParallelTrials))
        {
            var elapsed = (context.CurrentUtcDateTime - started).TotalSeconds;
            if (results.Count > 0 && search.MaxSeconds is { } budget && elapsed >= budget)
            {
                stoppedBy = string.Create(CultureInfo.InvariantCulture, $"time budget of {budget:0.#} s reached after {elapsed:0.#} s");
                break;
            }
            results.AddRange(await Task.WhenAll(wave.Select(trial => context.CallActivityAsync<SearchTrialResult>(RecommendationActivityNames.SearchTrial,
                new SearchTrialRequest(plan.SettingsPath, service, data.DataPath, data.DataHash, search.GateSplitPath, trial),
                RecommendationRefreshOrchestrator.RetryIdempotent))));
        }

        return await context.CallActivityAsync<SearchOutcome>(RecommendationActivityNames.SearchSelect,
            new SearchSelectRequest(plan.SettingsPath, service, plan.RunId, search, results, stoppedBy));
    }
}
