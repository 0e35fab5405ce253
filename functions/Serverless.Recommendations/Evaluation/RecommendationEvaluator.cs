using Serverless.Recommendations.Data;
using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.Scoring;

namespace Serverless.Recommendations.Evaluation;

/// <summary>
/// The "evaluate" step: trains the candidate on each split's training part and measures it, the
/// popularity baseline and the lists in service on the held-out part. Every list is judged the same
/// way: items the user has in training are skipped, then the first K count.
/// </summary>
public static class RecommendationEvaluator
{
    /// <summary>Evaluates and applies the publish gate in one call.</summary>
    /// <param name="listsInService">User id to ranked item ids (for example last week's published lists); null when nothing is in service.</param>
    public static GatedEvaluation EvaluateAndGate(InteractionDataset data, AlsOptions? als = null,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? listsInService = null, EvaluationOptions? options = null,
        GateOptions? gate = null, IAlsBackend? backend = null, CancellationToken cancellationToken = default)
    {
        var report = Evaluate(data, als, listsInService, options, backend, cancellationToken);
        return new GatedEvaluation(report, PublishGate.Decide(report, gate));
    }

    public static EvaluationReport Evaluate(InteractionDataset data, AlsOptions? als = null,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? listsInService = null, EvaluationOptions? options = null,
        IAlsBackend? backend = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        als ??= AlsOptions.Default;
        options ??= EvaluationOptions.Default;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.K);

        var splits = new List<DataSplit> { DataSplitter.RandomHoldout(data, options.HoldoutFraction, options.Seed) };
        if (options.IncludeTimeSplit && data.HasTimestamps)
        {
            splits.Add(options.TimeCut is { } cut ? DataSplitter.TimeCut(data, cut) : DataSplitter.TimeHoldout(data, options.HoldoutFraction));
        }

        var ownsBackend = backend is null;
        backend ??= AlsBackends.CreateDefault();
        try
        {
            var results = new List<SplitEvaluation>();
            foreach (var split in splits)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var train = split.Train.ToUserItemMatrix();
                var factors = AlsFactorizer.Factorize(train, als, backend, cancellationToken: cancellationToken);
                var model = new AlsModel(als, split.Train.Hash, data.Users, data.Items, factors, train);
                results.Add(EvaluateSplit(split, model, listsInService, options.K));
            }
            return new EvaluationReport(ModelVersion.For(als, data.Hash), data.Hash, als, results);
        }
        finally
        {
            if (ownsBackend) backend.Dispose();
        }
    }

    /// <summary>Measures one model (trained on the split's training part), popularity and the lists in service on a split.</summary>
    public static SplitEvaluation EvaluateSplit(DataSplit split, AlsModel model,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? listsInService, int k)
    {
        var train = model.Interactions;
        var test = split.Test.ToUserItemMatrix();
        var testUsers = Enumerable.Range(0, test.Rows).Where(u => test.RowLength(u) > 0).ToArray();
        var catalogue = model.Items.Count;

        var modelMetrics = new MetricAccumulator(k, catalogue);
        var rankings = UserRecommender.RecommendDense(model, testUsers, k);
        for (var i = 0; i < testUsers.Length; i++) modelMetrics.Add(rankings[i].Items, test.RowColumns(testUsers[i]));

        var popularityMetrics = new MetricAccumulator(k, catalogue);
        var popular = PopularityOrder.Of(train.ColumnCounts());
        var list = new List<int>(k);
        foreach (var user in testUsers)
        {
            FirstUnseen(popular, train.RowColumns(user), k, list);
            popularityMetrics.Add(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list), test.RowColumns(user));
        }

        MetricSet? inService = null;
        var withList = 0;
        if (listsInService is not null)
        {
            var serviceMetrics = new MetricAccumulator(k, catalogue);
            var mapped = new List<int>();
            foreach (var user in testUsers)
            {
                mapped.Clear();
                if (listsInService.TryGetValue(model.Users[user], out var items))
                {
                    withList++;
                    // Items unknown to this data keep their place but can never be a hit.
                    mapped.AddRange(items.Select(model.Items.IndexOf));
                }
                FirstUnseen(mapped, train.RowColumns(user), k, list);
                serviceMetrics.Add(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list), test.RowColumns(user));
            }
            inService = serviceMetrics.Result();
        }

        return new SplitEvaluation(split.Name, split.Train.Count, split.Test.Count, modelMetrics.Result(), popularityMetrics.Result(), inService, withList);
    }

    /// <summary>The first K candidates the user does not have in training.</summary>
    private static void FirstUnseen(IReadOnlyList<int> candidates, ReadOnlySpan<int> seen, int k, List<int> output)
    {
        output.Clear();
        for (var i = 0; i < candidates.Count && output.Count < k; i++)
        {
            var item = candidates[i];
            if (item >= 0 && seen.BinarySearch(item) >= 0) continue;
            output.Add(item);
        }
    }
}
