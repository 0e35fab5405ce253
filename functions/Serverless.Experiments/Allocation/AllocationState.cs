using Serverless.Experiments.Definitions;

namespace Serverless.Experiments.Allocation;

/// <summary>Why the weights are what they are.</summary>
public enum AllocationReason
{
    /// <summary>The definition's initial weights.</summary>
    Initial,

    /// <summary>A fixed-split experiment keeps its configured weights.</summary>
    FixedSplit,

    /// <summary>The experiment has not started or has stopped; weights are left as they were.</summary>
    NotRunning,

    /// <summary>Some variant has fewer exposed users than the configured minimum.</summary>
    WaitingForMinimumExposure,

    /// <summary>A sample-ratio mismatch was detected; weights are frozen until someone looks.</summary>
    FrozenSampleRatioMismatch,

    /// <summary>Thompson sampling moved the weights (bounded step, floor applied).</summary>
    Reallocated,
}

/// <summary>One entry of the weight history: the weights in force from <see cref="EffectiveFrom"/> on.</summary>
public sealed record WeightChange(DateTimeOffset EffectiveFrom, AllocationWeights Weights, AllocationReason Reason, string Detail);

/// <summary>
/// The weights the assignment API serves for one experiment, with their history. The history is what the
/// sample-ratio check needs when weights changed over time: each period's weights, weighted by its exposures.
/// Entries are appended when the weights or the reason change, so the history stays short under a frequent cadence.
/// </summary>
public sealed record AllocationState(string ExperimentId, AllocationWeights Current, IReadOnlyList<WeightChange> History)
{
    /// <summary>The state before any update: the definition's weights from its start.</summary>
    public static AllocationState Initial(ExperimentDefinition definition)
    {
        var weights = definition.InitialWeights;
        return new AllocationState(definition.Id, weights,
            [new WeightChange(definition.Start, weights, AllocationReason.Initial, "configured initial weights")]);
    }
}
