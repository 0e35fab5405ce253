namespace Serverless.Forecasting.Synthetic;

/// <summary>Parameters of the synthetic chain. The same options always give the same data.</summary>
public sealed record GeneratorOptions
{
    public int Seed { get; init; } = 42;

    public DateOnly Start { get; init; } = new(2017, 1, 1);

    /// <summary>Last day with sales (inclusive); the main job uses yesterday.</summary>
    public DateOnly End { get; init; } = new(2026, 11, 22);

    public int StoreCount { get; init; } = 10;

    public int ItemCount { get; init; } = 12;

    /// <summary>How many days after <see cref="End"/> the price plan and weather forecast cover.</summary>
    public int PlanDaysAhead { get; init; } = 14;

    /// <summary>Month-of-year seasonality and a yearly trend on top of the chain; null (the default) adds none.</summary>
    public SeasonalityOptions? Seasonality { get; init; }

    public void Validate()
    {
        if (End < Start) throw new ArgumentException($"End {End:yyyy-MM-dd} is before Start {Start:yyyy-MM-dd}.");
        if (StoreCount < 1) throw new ArgumentException("StoreCount must be at least 1.");
        if (ItemCount < 1) throw new ArgumentException("ItemCount must be at least 1.");
        if (PlanDaysAhead < 0) throw new ArgumentException("PlanDaysAhead must not be negative.");
        Seasonality?.Validate();
    }
}
