using Serverless.Experiments.Allocation;
using Serverless.Experiments.Definitions;

namespace Serverless.Experiments.Assignment;

/// <summary>How an assignment was decided.</summary>
public enum AssignmentSource
{
    /// <summary>The user's recorded first assignment (sticky).</summary>
    Existing,

    /// <summary>First sight of the user: hashed onto the current weights. The host records it.</summary>
    Hashed,

    /// <summary>The experiment is not running at this instant: the control is served and nothing is recorded.</summary>
    NotRunning,
}

/// <summary>The variant a user sees. <see cref="ShouldRecord"/> tells the host to persist it as the user's first assignment.</summary>
public sealed record VariantAssignment(
    string ExperimentId, string UserId, string VariantId, DateTimeOffset AssignedAt, double HashPoint, AssignmentSource Source)
{
    public bool ShouldRecord => Source == AssignmentSource.Hashed;
}

/// <summary>
/// Assigns users to variants.
/// </summary>
/// <remarks>
/// Pure hashing (hash point mapped onto cumulative weights) is deterministic but cannot be sticky: when a bandit
/// moves the weights, the cumulative boundaries move and some users would change variant mid-experiment, which
/// biases every per-user metric. So the first assignment is recorded by the host (document store, keyed by
/// experiment and user) and passed back in: a recorded assignment always wins; only new users are hashed onto the
/// weights in force. Hashing (rather than a random draw) keeps first assignments reproducible, so a lost or racing
/// write gives the same answer as long as weights have not changed in between.
/// </remarks>
public static class VariantAssigner
{
    public static VariantAssignment Assign(
        ExperimentDefinition experiment, string userId, AllocationWeights currentWeights, VariantAssignment? existing, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentNullException.ThrowIfNull(currentWeights);

        if (existing is not null)
        {
            if (!string.Equals(existing.ExperimentId, experiment.Id, StringComparison.Ordinal) || !string.Equals(existing.UserId, userId, StringComparison.Ordinal))
            {
                throw new ArgumentException($"the recorded assignment is for experiment '{existing.ExperimentId}', user '{existing.UserId}', not '{experiment.Id}', '{userId}'", nameof(existing));
            }
            // A recorded variant that no longer exists (definition edited) falls through to a fresh hash.
            if (experiment.IndexOfVariant(existing.VariantId) >= 0) return existing with { Source = AssignmentSource.Existing };
        }

        var point = AssignmentHash.UnitInterval(experiment.Id, userId);
        if (!experiment.IsRunningAt(now))
        {
            return new VariantAssignment(experiment.Id, userId, experiment.ControlVariantId, now, point, AssignmentSource.NotRunning);
        }

        var weights = currentWeights.AlignTo(experiment.Variants.Select(v => v.Id).ToList());
        return new VariantAssignment(experiment.Id, userId, experiment.Variants[Bucket(point, weights)].Id, now, point, AssignmentSource.Hashed);
    }

    /// <summary>The first variant whose cumulative weight exceeds <paramref name="point"/>; zero-weight variants are never chosen.</summary>
    internal static int Bucket(double point, IReadOnlyList<double> weights)
    {
        var cumulative = 0.0;
        var lastPositive = -1;
        for (var i = 0; i < weights.Count; i++)
        {
            if (weights[i] <= 0) continue;
            lastPositive = i;
            cumulative += weights[i];
            if (point < cumulative) return i;
        }
        // Rounding can leave the cumulative sum a hair below 1.
        return lastPositive;
    }
}
