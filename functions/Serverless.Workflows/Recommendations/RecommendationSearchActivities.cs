using Microsoft.DurableTask;
using Serverless.Durable;
using Serverless.Recommendations.Evaluation;
using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.Models;
using Serverless.Recommendations.Publishing;
using Serverless.Recommendations.Search;
using Serverless.Storage.Blobs;
using Serverless.Storage.Documents;

namespace Serverless.Workflows.Recommendations;

/// <summary>
/// Fixes the gate's split before anything is tuned, so the search can never see what the gate tests on: with an
/// archived model in service, the interactions that arrived after its training data ended; without one, a hold-out
/// of the data (compared with popularity). Stores the split as a mask in the run's folder and lists the search's
/// trials (the configured parameters first). A missing or unreadable archived model, or a search space with no
/// valid point, fails here with an error naming the file or field, before any trial runs.
/// </summary>
public sealed class RecommendationSearchPlanActivity(IBlobStore blobs, IDocumentStore documents) : TaskActivity<SearchPlanRequest, SearchPlan>
{
    public override async Task<SearchPlan> RunAsync(TaskActivityContext context, SearchPlanRequest input)
    {
        var cancellationToken = context.CancellationToken;
        var artifacts = new RecommendationArtifacts(blobs, documents);
        var settings = await artifacts.ReadServiceSettingsAsync(input.SettingsPath, input.Service, cancellationToken);
        var dataset = await artifacts.ReadDatasetAsync(input.Data.DataPath, input.Data.DataHash, cancellationToken);

        var pointer = await artifacts.ReadPointerAsync(input.Service, cancellationToken);
        ChampionReference? champion = null;
        ModelRecipe? championRecipe = null;
        DataSplit gate;
        string basis;
        if (pointer is { ArchivedModelPath: { } modelPath, ArchivedManifestPath: { } manifestPath })
        {
            champion = new ChampionReference(pointer.Version, pointer.ModelVersion, modelPath, manifestPath, pointer.DataEndUtc);
            var (model, manifest) = await artifacts.ReadChampionAsync(champion, cancellationToken);
            champion = champion with { DataEndUtc = manifest.DataEndUtc };
            championRecipe = manifest.Recipe;
            gate = GateSplits.AfterChampion(dataset, model, manifest.DataEndUtc);
            basis = manifest.DataEndUtc is { } end && dataset.HasTimestamps
                ? $"the archived model in service ({pointer.ModelVersion}) on the interactions that arrived after its training data ended ({end.UtcDateTime:yyyy-MM-dd HH:mm} UTC)"
                : $"the archived model in service ({pointer.ModelVersion}) on the (user, item) pairs it was not trained on (no timestamps to cut at)";
        }
        else
        {
            gate = GateSplits.Holdout(dataset, settings.Evaluation);
            basis = pointer is null
                ? $"no model in service, so compared with popularity on a hold-out ({gate.Name})"
                : $"the model in service ({pointer.ModelVersion}) was published before models were archived and cannot be scored, so compared with popularity on a hold-out ({gate.Name})";
        }

        var gatePath = $"{RecommendationPaths.Run(input.RunId)}/{input.Service}/gate-split.bin";
        await artifacts.WriteSplitAsync(gatePath, dataset, gate, cancellationToken);

        var space = settings.Search;
        IReadOnlyList<SearchTrial> trials;
        try
        {
            trials = space is null
                ? [new SearchTrial(0, ModelRecipe.ForAls(settings.Als), IsDefaults: true)]
                : SearchPlanner.Plan(space, settings.Als, dataset.Items.Count, space.Seed ?? settings.Als.Seed);
        }
        catch (SearchSpaceException e)
        {
            // No inner exception: the orchestrator reports the innermost message, and this one names the file and service.
            throw new RecommendationSettingsException($"{input.SettingsPath}: service '{input.Service}', field 'search': {e.Reason}");
        }

        // Too little arrived since the model in service was trained for the gate to judge any other model: searching
        // would only find a candidate it must refuse. Its recipe is trained again instead, which on unchanged data is
        // the model in service itself (published again with the current rules).
        string? note = null;
        if (championRecipe is not null && gate.TestUsers < settings.Gate.MinimumTestUsers)
        {
            note = $"no search: only {gate.TestUsers} users have interactions that arrived after the model in service was trained (the gate needs {settings.Gate.MinimumTestUsers}), so its recipe ({championRecipe.Describe()}) is trained again";
            trials = [new SearchTrial(0, championRecipe, IsDefaults: false)];
        }
        var validation = GateSplits.Validation(gate, settings.Evaluation, (space ?? SearchSpace.Default).ValidationFraction);
        return new SearchPlan(input.Service, gatePath, gate.Name, basis, champion, pointer?.Version, validation.Name, validation.Train.Count, validation.Test.Count,
            trials, (space ?? SearchSpace.Default).ParallelTrials, space?.MaxSeconds, Searching: space is not null && note is null, note);
    }
}

/// <summary>
/// One trial of the search (the fan-out): the recipe fitted to the validation split carved from the gate's
/// training part, NDCG and the other figures at K on its held-out part. Reads only: it may simply run again.
/// </summary>
public sealed class RecommendationSearchTrialActivity(IBlobStore blobs, IDocumentStore documents) : TaskActivity<SearchTrialRequest, SearchTrialResult>
{
    public override async Task<SearchTrialResult> RunAsync(TaskActivityContext context, SearchTrialRequest input)
    {
        var cancellationToken = context.CancellationToken;
        var artifacts = new RecommendationArtifacts(blobs, documents);
        var settings = await artifacts.ReadServiceSettingsAsync(input.SettingsPath, input.Service, cancellationToken);
        var dataset = await artifacts.ReadDatasetAsync(input.DataPath, input.DataHash, cancellationToken);
        var gate = await artifacts.ReadSplitAsync(input.GateSplitPath, dataset, cancellationToken);
        var validation = GateSplits.Validation(gate, settings.Evaluation, (settings.Search ?? SearchSpace.Default).ValidationFraction);
        using var backend = AlsBackends.CreateDefault();
        return SearchTrialRunner.Run(validation, input.Trial, settings.Evaluation.K, backend, cancellationToken);
    }
}

/// <summary>Picks the winner of the trials that ran and stores the search table in the run's folder.</summary>
public sealed class RecommendationSearchSelectActivity(IBlobStore blobs) : TaskActivity<SearchSelectRequest, SearchOutcome>
{
    public override async Task<SearchOutcome> RunAsync(TaskActivityContext context, SearchSelectRequest input)
    {
        var plan = input.Plan;
        var summary = SearchSummary.Select(plan.ValidationSplit, plan.ValidationTrainInteractions, plan.ValidationInteractions, plan.Trials.Count,
            input.StoppedBy, input.Results);
        var path = $"{RecommendationPaths.Run(input.RunId)}/{input.Service}/search.json";
        await blobs.WriteAsync(path, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(summary, RecommendationsJsonContext.Default.SearchSummary),
            BlobWriteCondition.Overwrite, context.CancellationToken);
        return new SearchOutcome(summary.WinnerRecipe, summary, path, plan.GateSplitPath, plan.GateSplit, plan.GateBasis, plan.Champion, plan.InServiceVersion, plan.Note);
    }
}
