using Serverless.Recommendations.Data;
using Serverless.Recommendations.Evaluation;
using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.Scoring;

namespace Serverless.Workflows.Recommendations;

/// <summary>
/// The evaluation the refresh gates on: on each split, the candidate and the model in service are both
/// trained on the training part and measured on the held-out part, beside popularity.
/// </summary>
/// <remarks>
/// Scoring the published lists themselves against a hold-out of the same log says nothing: those lists were
/// built from the whole log and leave out every item the user already had, held-out items included, so
/// they can never hit (on the built-in data their NDCG@10 measures exactly 0). What is in service is
/// therefore represented by its recipe, the ALS parameters recorded in its model manifest, retrained on
/// the same training part as the candidate. When the parameters are the same the two models are the same
/// (training is deterministic) and the one training serves both.
/// </remarks>
public static class ChampionChallengerEvaluation
{
    public static GatedEvaluation EvaluateAndGate(InteractionDataset data, AlsOptions candidate, AlsOptions? inService,
        EvaluationOptions options, GateOptions gate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        var splits = new List<DataSplit> { DataSplitter.RandomHoldout(data, options.HoldoutFraction, options.Seed) };
        if (options.IncludeTimeSplit && data.HasTimestamps)
        {
            splits.Add(options.TimeCut is { } cut ? DataSplitter.TimeCut(data, cut) : DataSplitter.TimeHoldout(data, options.HoldoutFraction));
        }

        using var backend = AlsBackends.CreateDefault();
        var results = new List<SplitEvaluation>();
        foreach (var split in splits)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var train = split.Train.ToUserItemMatrix();
            var model = Train(data, split, train, candidate, backend, cancellationToken);
            IReadOnlyDictionary<string, IReadOnlyList<string>>? inServiceLists = null;
            if (inService is not null)
            {
                var champion = inService == candidate ? model : Train(data, split, train, inService, backend, cancellationToken);
                inServiceLists = UserRecommender.Recommend(champion, new Shard(0, 0, champion.Users.Count), options.K)
                    .ToDictionary(l => l.SubjectId, l => (IReadOnlyList<string>)l.Items.Select(i => i.ItemId).ToArray(), StringComparer.Ordinal);
            }
            results.Add(RecommendationEvaluator.EvaluateSplit(split, model, inServiceLists, options.K));
        }
        var report = new EvaluationReport(ModelVersion.For(candidate, data.Hash), data.Hash, candidate, results);
        return new GatedEvaluation(report, PublishGate.Decide(report, gate));
    }

    private static AlsModel Train(InteractionDataset data, DataSplit split, CsrMatrix train, AlsOptions options, IAlsBackend backend,
        CancellationToken cancellationToken) =>
        new(options, split.Train.Hash, data.Users, data.Items, AlsFactorizer.Factorize(train, options, backend, cancellationToken: cancellationToken), train);
}
