using System.Globalization;
using Serverless.Recommendations.Factorization;

namespace Serverless.Recommendations.Evaluation;

/// <summary>
/// One view of the evaluation: a split, and the same metrics for the new model, the popularity
/// baseline and the lists in service, all measured on the same test users in the same run.
/// </summary>
public sealed record SplitEvaluation(
    string Split,
    int TrainInteractions,
    int TestInteractions,
    MetricSet Model,
    MetricSet Popularity,
    MetricSet? InService,
    int InServiceUsersWithList);

/// <summary>The evaluation of a candidate model; the first split is the one the gate reads.</summary>
public sealed record EvaluationReport(string ModelVersion, string DataHash, AlsOptions Parameters, IReadOnlyList<SplitEvaluation> Splits)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public SplitEvaluation Primary => Splits[0];

    /// <summary>Flat figures for a manifest, for example <c>random-25%.model.ndcg@10</c>.</summary>
    public IEnumerable<KeyValuePair<string, double>> ToMetrics()
    {
        foreach (var split in Splits)
        {
            foreach (var (who, set) in new[] { ("model", split.Model), ("popularity", split.Popularity), ("in-service", split.InService) })
            {
                if (set is null) continue;
                var k = set.K.ToString(CultureInfo.InvariantCulture);
                yield return new($"{split.Split}.{who}.precision@{k}", set.Precision);
                yield return new($"{split.Split}.{who}.recall@{k}", set.Recall);
                yield return new($"{split.Split}.{who}.ndcg@{k}", set.Ndcg);
                yield return new($"{split.Split}.{who}.map@{k}", set.Map);
                yield return new($"{split.Split}.{who}.coverage", set.Coverage);
            }
        }
    }
}

/// <summary>The gate's verdict with the figures it compared and a reason a person can read.</summary>
public sealed record GateDecision(bool Publish, string Reason, string Split, double ModelNdcg, double PopularityNdcg, double? InServiceNdcg, double Tolerance);

/// <summary>An evaluation with its gate decision (the "evaluate" step's output).</summary>
public sealed record GatedEvaluation(EvaluationReport Report, GateDecision Decision);
