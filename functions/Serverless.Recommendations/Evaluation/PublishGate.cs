using System.Globalization;

namespace Serverless.Recommendations.Evaluation;

/// <summary>Publishes a new model only when it is not worse than the lists in service by more than the tolerance.</summary>
public static class PublishGate
{
    public static GateDecision Decide(EvaluationReport report, GateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        options ??= GateOptions.Default;
        if (options.Tolerance is < 0 or >= 1 || double.IsNaN(options.Tolerance))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Tolerance, "Gate tolerance must be within [0, 1).");
        }

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
