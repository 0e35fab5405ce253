using System.Globalization;
using Serverless.Experiments.Allocation;
using Serverless.Experiments.Definitions;
using Serverless.Experiments.Statistics;

namespace Serverless.Experiments.Bandit;

/// <summary>The outcome of one allocation update: the weights now in force, why, and the Thompson target when one was computed.</summary>
public sealed record AllocationDecision(AllocationReason Reason, string Detail, AllocationWeights Weights, AllocationWeights? ThompsonTarget, bool Changed);

/// <summary>
/// The new allocation state (to store and serve), the decision that produced it, and its manifest (the statistics'
/// data hash, the bandit parameters, the code version).
/// </summary>
public sealed record AllocationUpdate(AllocationState State, AllocationDecision Decision, ArtifactManifest Manifest);

/// <summary>
/// Thompson-sampling allocation, run on a cadence. In order: a fixed split keeps its configured weights; an experiment
/// outside its window keeps its weights; a sample-ratio mismatch freezes them (the data may be broken, and moving
/// traffic on broken data compounds the damage); until every variant has the minimum exposure nothing moves. Otherwise
/// the target is the posterior probability that each variant is best, lifted to the floor
/// (floor + (1 − k·floor)·p, still a distribution), and the weights move towards it by at most the configured step:
/// new = current + λ(target − current) with λ = min(1, step / max|target − current|). Both ends are distributions above
/// the floor, so every point between them is too.
/// </summary>
public static class BanditAllocator
{
    public static AllocationUpdate Update(ExperimentDefinition definition, AllocationState current, StatisticsReport statistics, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(statistics);
        if (current.ExperimentId != definition.Id || statistics.ExperimentId != definition.Id)
        {
            throw new ArgumentException($"allocation '{current.ExperimentId}' and statistics '{statistics.ExperimentId}' must both be for '{definition.Id}'");
        }
        var variantIds = definition.Variants.Select(v => v.Id).ToList();
        var weights = current.Current.AlignTo(variantIds);
        var manifest = new ArtifactManifest("experiment-allocation", ArtifactManifest.CurrentCodeVersion, statistics.Manifest.DataHash,
            new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["experiment"] = definition.Id,
                ["mode"] = definition.Mode.ToString(),
                ["floorWeight"] = definition.FloorWeight.ToString("R", CultureInfo.InvariantCulture),
                ["maxWeightStep"] = definition.MaxWeightStep.ToString("R", CultureInfo.InvariantCulture),
                ["minimumExposurePerVariant"] = definition.MinimumExposurePerVariant.ToString(CultureInfo.InvariantCulture),
                ["statisticsSeed"] = statistics.Manifest.Parameters.GetValueOrDefault("seed", ""),
                ["monteCarloDraws"] = statistics.Manifest.Parameters.GetValueOrDefault("monteCarloDraws", ""),
            },
            now);

        if (definition.Mode == AllocationMode.FixedSplit)
        {
            return Decide(manifest, current, now, definition.InitialWeights, AllocationReason.FixedSplit, "fixed split: configured weights", null);
        }
        if (!definition.IsRunningAt(now))
        {
            return Decide(manifest, current, now, current.Current, AllocationReason.NotRunning, $"the experiment is not running at {now:O}", null);
        }
        if (statistics.SampleRatio.Mismatch)
        {
            return Decide(manifest, current, now, current.Current, AllocationReason.FrozenSampleRatioMismatch,
                $"frozen: sample-ratio mismatch, p = {statistics.SampleRatio.PValue?.ToString("G3", CultureInfo.InvariantCulture)} < {statistics.SampleRatio.Alpha.ToString(CultureInfo.InvariantCulture)}", null);
        }
        var belowMinimum = statistics.Variants.Where(v => v.ExposedUsers < definition.MinimumExposurePerVariant).ToList();
        if (belowMinimum.Count > 0)
        {
            return Decide(manifest, current, now, current.Current, AllocationReason.WaitingForMinimumExposure,
                $"waiting for {definition.MinimumExposurePerVariant} exposed users per variant: " + string.Join(", ", belowMinimum.Select(v => $"{v.VariantId} has {v.ExposedUsers}")), null);
        }

        var k = variantIds.Count;
        var floor = definition.FloorWeight;
        var byId = statistics.Variants.ToDictionary(v => v.VariantId, StringComparer.Ordinal);
        var target = variantIds.Select(id => floor + (1 - k * floor) * byId[id].ProbabilityBest).ToArray();
        var largestMove = target.Select((t, i) => Math.Abs(t - weights[i])).Max();
        var lambda = largestMove <= definition.MaxWeightStep ? 1 : definition.MaxWeightStep / largestMove;
        var next = weights.Select((w, i) => w + lambda * (target[i] - w)).ToArray();

        var targetWeights = new AllocationWeights(variantIds.Select((id, i) => new VariantWeight(id, target[i])).ToList());
        var nextWeights = new AllocationWeights(variantIds.Select((id, i) => new VariantWeight(id, next[i])).ToList());
        var detail = lambda < 1
            ? $"Thompson sampling: step limited to {definition.MaxWeightStep.ToString(CultureInfo.InvariantCulture)}, moving towards {targetWeights}"
            : $"Thompson sampling: reached target {targetWeights}";
        return Decide(manifest, current, now, nextWeights, AllocationReason.Reallocated, detail, targetWeights);
    }

    private static AllocationUpdate Decide(
        ArtifactManifest manifest, AllocationState current, DateTimeOffset now, AllocationWeights weights, AllocationReason reason, string detail, AllocationWeights? target)
    {
        var changed = !weights.Equals(current.Current);
        var last = current.History[^1];
        var history = current.History;
        // The history is the audit trail and the SRM's period table: append on a change of weights or of reason only.
        if (changed || last.Reason != reason) history = [.. current.History, new WeightChange(now, weights, reason, detail)];
        var state = current with { Current = weights, History = history };
        return new AllocationUpdate(state, new AllocationDecision(reason, detail, weights, target, changed), manifest);
    }
}
