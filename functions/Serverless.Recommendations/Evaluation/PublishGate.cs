using System.Globalization;

namespace Serverless.Recommendations.Evaluation;

/// <summary>Publishes a new model only when it is not worse than what is in service by more than the tolerance.</summary>
public static class PublishGate
{
    /// <summary>
    /// The refresh's gate. With a model in service: publish when the candidate reaches at least
    /// <c>(1 - Tolerance)</c> of its NDCG@K on what arrived after it was trained (and beats popularity when asked);
    /// with too few such users, publish only a candidate that is the model in service. Without one: publish when
    /// the candidate beats popularity, and say that this was the comparison.
    /// </summary>
    /// <param name="candidateIsChampion">The candidate has the version of the model in service (same recipe, same data).</param>
    public static GateDecision Decide(ChampionChallengerReport report, GateOptions? options, bool candidateIsChampion)
    {
        ArgumentNullException.ThrowIfNull(report);
        options ??= GateOptions.Default;
        CheckTolerance(options);
        var k = report.Candidate.Metrics.K;
        var model = report.Candidate.Metrics.Ndcg;
        var popularity = report.Popularity.Metrics.Ndcg;
        var champion = report.Champion?.Metrics.Ndcg;
        string F(double v) => v.ToString("0.0000", CultureInfo.InvariantCulture);
        GateDecision Decision(bool publish, string reason) => new(publish, reason, report.Split, model, popularity, champion, options.Tolerance);

        if (report.Champion is null)
        {
            if (report.TestUsers == 0) return Decision(false, $"Not published: the {report.Split} split has no test users, so the model cannot be judged.");
            var against = $"NDCG@{k} {F(model)} vs popularity {F(popularity)} on the {report.Split} split ({report.TestUsers} users).";
            return model > popularity
                ? Decision(true, $"Published: compared with popularity ({report.Basis}); {against}")
                : Decision(false, $"Not published: the new model does not beat popularity ({report.Basis}); {against}");
        }

        if (report.TestUsers < options.MinimumTestUsers)
        {
            return candidateIsChampion
                ? Decision(true, $"Published: the candidate is the model in service {report.Champion.Version} (same recipe and data), so there is nothing to judge; its lists are written again with the current rules.")
                : Decision(false, $"Not published: only {report.TestUsers} users have interactions that arrived after the model in service ({report.Champion.Version}) was trained, fewer than the {options.MinimumTestUsers} needed to show the candidate is not worse. The model in service stays.");
        }
        var floor = champion!.Value * (1 - options.Tolerance);
        var change = champion.Value == 0 ? 0 : (model - champion.Value) / champion.Value;
        var summary = $"NDCG@{k} {F(model)} vs {F(champion.Value)} for the model in service {report.Champion.Version} ({change.ToString("+0.0%;-0.0%", CultureInfo.InvariantCulture)}), tolerance {options.Tolerance.ToString("0.#%", CultureInfo.InvariantCulture)}, on the {report.Split} split ({report.TestUsers} users, {report.ChampionUnknownUsers} unknown to the model in service).";
        if (model < floor) return Decision(false, "Not published: the new model is worse than the model in service: " + summary);
        if (options.RequireBeatingPopularity && model <= popularity)
        {
            return Decision(false, $"Not published: NDCG@{k} {F(model)} does not beat the popularity baseline ({F(popularity)}) on the {report.Split} split.");
        }
        return Decision(true, "Published: " + summary);
    }

    private static void CheckTolerance(GateOptions options)
    {
        if (options.Tolerance is < 0 or >= 1 || double.IsNaN(options.Tolerance))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Tolerance, "Gate tolerance must be within [0, 1).");
        }
    }

    public static GateDecision Decide(EvaluationReport report, GateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        options ??= GateOptions.Default;
        CheckTolerance(options);

        var split = report.Primary;
        var k = split.Model.K;
        var model = split.Model.Ndcg;
        var popularity = split.Popularity.Ndcg;
        var service = split.InService?.Ndcg;
        string F(double v) => v.ToString("0.0000", CultureInfo.InvariantCulture);
        GateDecision Decision(bool publish, string reason) =>
            new(publish, reason, split.Split, model, popularity, service, options.Tolerance);

        if (split.Model.Users == 0)
        {
            return Decision(false, $"Not published: the {split.Split} split has no test users, so the model cannot be judged.");
        }
        if ((options.RequireBeatingPopularity || service is null) && model <= popularity)
        {
            return Decision(false, $"Not published: NDCG@{k} {F(model)} does not beat the popularity baseline ({F(popularity)}) on the {split.Split} split.");
        }
        if (service is null)
        {
            return Decision(true, $"Published: no lists in service to compare with; NDCG@{k} {F(model)} beats popularity ({F(popularity)}) on the {split.Split} split.");
        }

        var floor = service.Value * (1 - options.Tolerance);
        var change = service.Value == 0 ? 0 : (model - service.Value) / service.Value;
        var summary = $"NDCG@{k} {F(model)} vs {F(service.Value)} for the lists in service ({change.ToString("+0.0%;-0.0%", CultureInfo.InvariantCulture)}), tolerance {options.Tolerance.ToString("0.#%", CultureInfo.InvariantCulture)}, on the {split.Split} split.";
        return model >= floor
            ? Decision(true, "Published: " + summary)
            : Decision(false, "Not published: the new model is worse than the lists in service: " + summary);
    }
}
