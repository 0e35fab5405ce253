namespace Serverless.Recommendations.Evaluation;

/// <summary>How the offline evaluation splits and measures.</summary>
public sealed record EvaluationOptions
{
    /// <summary>List length the metrics look at (precision@K and so on).</summary>
    public int K { get; init; } = 10;

    /// <summary>Share of each user's interactions held out.</summary>
    public double HoldoutFraction { get; init; } = 0.25;

    /// <summary>Seed of the random held-out split.</summary>
    public ulong Seed { get; init; } = 7;

    /// <summary>
    /// Adds the time-based view (when the data has timestamps). For the refresh's gate without a model in
    /// service: hold out by time when true, a random share per user when false.
    /// </summary>
    public bool IncludeTimeSplit { get; init; } = true;

    /// <summary>A global cut date for the time-based view; null holds out each user's latest interactions.</summary>
    public DateTimeOffset? TimeCut { get; init; }

    public static EvaluationOptions Default { get; } = new();
}

/// <summary>The publish gate's settings.</summary>
public sealed record GateOptions
{
    /// <summary>
    /// The largest drop in NDCG@K the new model may show against what is in service (the archived model in the
    /// refresh), as a fraction of its NDCG (0.02: publish when the model reaches at least 98% of it).
    /// </summary>
    public double Tolerance { get; init; } = 0.02;

    /// <summary>Also refuse a model that does not beat the popularity baseline (always applies when nothing is in service).</summary>
    public bool RequireBeatingPopularity { get; init; } = true;

    /// <summary>
    /// The fewest users with interactions after the model in service was trained for the gate to judge a
    /// different model against it; below that the candidate is refused (unless it is the model in service).
    /// </summary>
    public int MinimumTestUsers { get; init; } = 20;

    public static GateOptions Default { get; } = new();
}
