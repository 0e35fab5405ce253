using Serverless.Recommendations.Data;
using Serverless.Recommendations.Models;

namespace Serverless.Recommendations.Evaluation;

/// <summary>
/// Which split the publish gate measures on, and the validation split the search may use inside its
/// training part (never its test part).
/// </summary>
public static class GateSplits
{
    /// <summary>
    /// With a model in service: what arrived after its training data ended (see <see cref="DataSplitter.AfterModel"/>),
    /// the standard champion/challenger time cut.
    /// </summary>
    public static DataSplit AfterChampion(InteractionDataset data, RecommendationModel champion, DateTimeOffset? championDataEnd) =>
        DataSplitter.AfterModel(data, champion, championDataEnd);

    /// <summary>
    /// Without one: a hold-out of the data itself. By time when the data has timestamps and the options keep the
    /// time view (a fixed cut date, else the latest <see cref="EvaluationOptions.HoldoutFraction"/> of all
    /// interactions); otherwise a random share of each user's interactions, seeded. A time cut that leaves either
    /// part empty (every interaction at one instant) falls back to the random split.
    /// </summary>
    public static DataSplit Holdout(InteractionDataset data, EvaluationOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        if (options.IncludeTimeSplit && data.HasTimestamps && data.Count > 0)
        {
            var split = options.TimeCut is { } cut ? DataSplitter.TimeCut(data, cut) : DataSplitter.LatestShare(data, options.HoldoutFraction);
            if (split.Train.Count > 0 && split.Test.Count > 0) return split;
        }
        return DataSplitter.RandomHoldout(data, options.HoldoutFraction, options.Seed);
    }

    /// <summary>
    /// The search's split: carved from the gate's training part in the same way as the hold-out (the latest
    /// <paramref name="fraction"/> of it by time, or a seeded random share per user), so no interaction the gate
    /// tests on is seen by any trial, neither to train nor to score.
    /// </summary>
    public static DataSplit Validation(DataSplit gate, EvaluationOptions options, double fraction)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(options);
        var carved = Holdout(gate.Train, options with { HoldoutFraction = fraction, TimeCut = null });
        return carved with { Name = "validation-" + carved.Name };
    }
}
