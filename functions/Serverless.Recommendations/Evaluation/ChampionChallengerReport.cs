namespace Serverless.Recommendations.Evaluation;

/// <summary>One contender's figures on the gate's split.</summary>
/// <param name="Role">candidate, defaults, champion or popularity.</param>
/// <param name="Version">The model version (the champion's is the archived model's; the candidate's is the model that would be published).</param>
/// <param name="Description">The recipe in words, or how the contender was made.</param>
public sealed record ContenderFigures(string Role, string? Version, string Description, MetricSet Metrics);

/// <summary>
/// The gate's evaluation: the candidate, the service's configured parameters (the defaults the search started
/// from), the archived model in service and the popularity baseline, all measured on the same test users of one
/// split in one run.
/// </summary>
/// <param name="Split">The split's name, for example <c>after-2025-04-06T23:59Z</c> or <c>latest-25%</c>.</param>
/// <param name="Basis">How the split was made and what the candidate is compared with, in words.</param>
/// <param name="Champion">Null when nothing comparable is in service: the gate then compares with popularity.</param>
/// <param name="ChampionUnknownUsers">Test users the model in service did not know (they got its popularity list).</param>
public sealed record ChampionChallengerReport(
    string Split,
    string Basis,
    int TrainInteractions,
    int TestInteractions,
    int TestUsers,
    ContenderFigures Candidate,
    ContenderFigures? Defaults,
    ContenderFigures Popularity,
    ContenderFigures? Champion,
    int ChampionUnknownUsers)
{
    /// <summary>What the candidate is compared with: <c>champion</c> or <c>popularity</c>.</summary>
    public string Baseline => Champion is null ? "popularity" : "champion";

    /// <summary>Flat figures for a manifest, for example <c>gate.candidate.ndcg@10</c>.</summary>
    public IEnumerable<KeyValuePair<string, double>> ToMetrics()
    {
        foreach (var contender in new[] { Candidate, Defaults, Popularity, Champion })
        {
            if (contender is null) continue;
            var set = contender.Metrics;
            var k = set.K.ToString(System.Globalization.CultureInfo.InvariantCulture);
            yield return new($"gate.{contender.Role}.precision@{k}", set.Precision);
            yield return new($"gate.{contender.Role}.recall@{k}", set.Recall);
            yield return new($"gate.{contender.Role}.ndcg@{k}", set.Ndcg);
            yield return new($"gate.{contender.Role}.map@{k}", set.Map);
            yield return new($"gate.{contender.Role}.coverage", set.Coverage);
        }
    }
}

/// <summary>The gate's evaluation with its decision (the "evaluate" step's output).</summary>
public sealed record ChampionChallengerEvaluation(ChampionChallengerReport Report, GateDecision Decision);
