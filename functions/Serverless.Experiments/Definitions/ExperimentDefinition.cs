namespace Serverless.Experiments.Definitions;

/// <summary>What an experiment is judged on.</summary>
public enum PrimaryMetric
{
    /// <summary>Share of exposed users who converted at least once.</summary>
    Conversion,

    /// <summary>Sum of event values per exposed user (users without value count as zero).</summary>
    ValuePerUser,
}

/// <summary>How traffic is split between variants.</summary>
public enum AllocationMode
{
    /// <summary>The configured weights, always.</summary>
    FixedSplit,

    /// <summary>Thompson sampling: weights follow the probability that each variant is best.</summary>
    ThompsonSampling,
}

/// <summary>One arm of an experiment. <paramref name="Parameters"/> tell the service what to do (for example which model version).</summary>
public sealed record VariantDefinition(string Id, IReadOnlyDictionary<string, string> Parameters, double InitialWeight);

/// <summary>
/// A validated experiment definition. Build one with <see cref="ExperimentDefinitionLoader"/> (from JSON)
/// or <see cref="Create"/>; both enforce the same rules, so an instance is always consistent.
/// </summary>
public sealed class ExperimentDefinition
{
    /// <summary>Tolerance for weights summing to one.</summary>
    public const double WeightTolerance = 1e-6;

    /// <summary>More arms than this cannot all reach significance in any real traffic; the aggregates store a variant in a byte.</summary>
    public const int MaxVariants = 64;

    private ExperimentDefinition(
        string id, IReadOnlyList<VariantDefinition> variants, string controlVariantId, PrimaryMetric primaryMetric,
        AllocationMode mode, long minimumExposurePerVariant, double floorWeight, double maxWeightStep,
        DateTimeOffset start, DateTimeOffset? stop)
    {
        Id = id;
        Variants = variants;
        ControlVariantId = controlVariantId;
        PrimaryMetric = primaryMetric;
        Mode = mode;
        MinimumExposurePerVariant = minimumExposurePerVariant;
        FloorWeight = floorWeight;
        MaxWeightStep = maxWeightStep;
        Start = start;
        Stop = stop;
        ControlIndex = IndexOfVariant(controlVariantId);
    }

    public string Id { get; }

    /// <summary>Variants in their configured order; the order is also the order of buckets in assignment.</summary>
    public IReadOnlyList<VariantDefinition> Variants { get; }

    public string ControlVariantId { get; }

    public int ControlIndex { get; }

    public PrimaryMetric PrimaryMetric { get; }

    public AllocationMode Mode { get; }

    /// <summary>Exposed users every variant needs before a bandit moves any weight.</summary>
    public long MinimumExposurePerVariant { get; }

    /// <summary>No bandit update takes a variant below this weight.</summary>
    public double FloorWeight { get; }

    /// <summary>Largest change of any one weight in one bandit update.</summary>
    public double MaxWeightStep { get; }

    /// <summary>Events before this instant are outside the experiment.</summary>
    public DateTimeOffset Start { get; }

    /// <summary>Events at or after this instant are outside the experiment; null while open-ended.</summary>
    public DateTimeOffset? Stop { get; }

    public Allocation.AllocationWeights InitialWeights =>
        new(Variants.Select(v => new Allocation.VariantWeight(v.Id, v.InitialWeight)).ToList());

    public int IndexOfVariant(string variantId)
    {
        for (var i = 0; i < Variants.Count; i++)
        {
            if (string.Equals(Variants[i].Id, variantId, StringComparison.Ordinal)) return i;
        }
        return -1;
    }

    /// <summary>True when an event at <paramref name="instant"/> belongs to the experiment's window [start, stop).</summary>
    public bool IsRunningAt(DateTimeOffset instant) => instant >= Start && (Stop is null || instant < Stop.Value);

    /// <summary>
    /// Builds a definition after checking every rule; throws <see cref="ExperimentDefinitionException"/> listing all problems.
    /// </summary>
    public static ExperimentDefinition Create(
        string id, IReadOnlyList<VariantDefinition> variants, string controlVariantId,
        PrimaryMetric primaryMetric = PrimaryMetric.Conversion, AllocationMode mode = AllocationMode.FixedSplit,
        long minimumExposurePerVariant = 0, double floorWeight = 0, double maxWeightStep = 1,
        DateTimeOffset? start = null, DateTimeOffset? stop = null, string sourceName = "definition")
    {
        var errors = new List<DefinitionError>();
        var definition = TryCreate(id, variants, controlVariantId, primaryMetric, mode, minimumExposurePerVariant,
            floorWeight, maxWeightStep, start ?? DateTimeOffset.MinValue, stop, "$", errors, sourceName, _ => null);
        if (definition is null) throw new ExperimentDefinitionException(errors);
        return definition;
    }

    /// <summary>Shared by <see cref="Create"/> and the JSON loader; appends errors and returns null when any rule fails.</summary>
    internal static ExperimentDefinition? TryCreate(
        string id, IReadOnlyList<VariantDefinition> variants, string controlVariantId, PrimaryMetric primaryMetric,
        AllocationMode mode, long minimumExposurePerVariant, double floorWeight, double maxWeightStep,
        DateTimeOffset start, DateTimeOffset? stop, string path, List<DefinitionError> errors, string sourceName,
        Func<string, int?> lineOf)
    {
        var before = errors.Count;
        void Fail(string field, string message) =>
            errors.Add(new DefinitionError(sourceName, lineOf(field) ?? lineOf(path), field, id, message));

        if (string.IsNullOrWhiteSpace(id)) Fail($"{path}.id", "experiment id is required");
        if (variants.Count < 2) Fail($"{path}.variants", $"an experiment needs at least 2 variants, found {variants.Count}");
        if (variants.Count > MaxVariants) Fail($"{path}.variants", $"an experiment has at most {MaxVariants} variants, found {variants.Count}");

        // Weights are checked against the floor only when the floor itself is sound, so one mistake gives one error.
        var floorIsSound = double.IsFinite(floorWeight) && floorWeight >= 0 && floorWeight * variants.Count <= 1 + WeightTolerance;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var weightSum = 0.0;
        for (var i = 0; i < variants.Count; i++)
        {
            var variant = variants[i];
            var variantPath = $"{path}.variants[{i}]";
            if (string.IsNullOrWhiteSpace(variant.Id)) Fail($"{variantPath}.id", "variant id is required");
            else if (!seen.Add(variant.Id)) Fail($"{variantPath}.id", $"duplicate variant id '{variant.Id}'");

            if (!double.IsFinite(variant.InitialWeight) || variant.InitialWeight < 0 || variant.InitialWeight > 1)
            {
                Fail($"{variantPath}.weight", $"weight of '{variant.Id}' must be within [0, 1], got {variant.InitialWeight}");
            }
            else
            {
                weightSum += variant.InitialWeight;
                if (mode == AllocationMode.ThompsonSampling && floorIsSound && variant.InitialWeight < floorWeight - WeightTolerance)
                {
                    Fail($"{variantPath}.weight", $"weight of '{variant.Id}' ({variant.InitialWeight}) is below the floor weight {floorWeight}");
                }
            }
        }
        if (variants.Count >= 2 && Math.Abs(weightSum - 1) > WeightTolerance)
        {
            Fail($"{path}.variants", $"variant weights must sum to 1 (within {WeightTolerance}), they sum to {weightSum:R}");
        }

        if (string.IsNullOrWhiteSpace(controlVariantId)) Fail($"{path}.control", "the control variant is required");
        else if (!seen.Contains(controlVariantId)) Fail($"{path}.control", $"unknown control variant '{controlVariantId}'; variants are {string.Join(", ", variants.Select(v => v.Id))}");

        if (!double.IsFinite(floorWeight) || floorWeight < 0 || floorWeight >= 1)
        {
            Fail($"{path}.floorWeight", $"floor weight must be within [0, 1), got {floorWeight}");
        }
        else if (floorWeight * variants.Count > 1 + WeightTolerance)
        {
            Fail($"{path}.floorWeight", $"floor weight {floorWeight} x {variants.Count} variants exceeds 1");
        }
        if (!double.IsFinite(maxWeightStep) || maxWeightStep <= 0 || maxWeightStep > 1)
        {
            Fail($"{path}.maxWeightStep", $"max weight step must be within (0, 1], got {maxWeightStep}");
        }
        if (minimumExposurePerVariant < 0)
        {
            Fail($"{path}.minimumExposurePerVariant", $"minimum exposure per variant must not be negative, got {minimumExposurePerVariant}");
        }
        if (stop is not null && stop.Value <= start)
        {
            Fail($"{path}.stop", $"stop {stop.Value:O} is not after start {start:O}");
        }

        if (errors.Count > before) return null;
        return new ExperimentDefinition(id, variants, controlVariantId, primaryMetric, mode, minimumExposurePerVariant,
            floorWeight, maxWeightStep, start, stop);
    }
}
