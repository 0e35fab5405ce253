namespace Serverless.Forecasting.Review;

/// <summary>What a review check found.</summary>
public enum ReviewFlagKind
{
    /// <summary>The forecast week is far from the mean of the last four weeks.</summary>
    FarFromRecentWeeks,

    /// <summary>The forecast week jumps from last week's sales.</summary>
    WeekOverWeekJump,

    /// <summary>A store x item with history has no forecast.</summary>
    MissingForecast,

    /// <summary>A forecast exists but the series sold nothing recently (discontinued? data feed broken?).</summary>
    NoRecentHistory,

    /// <summary>A forecast is zero for the whole week, or some value is negative or not a number.</summary>
    ZeroOrNegative,
}

public enum ReviewSeverity
{
    Info,
    Warning,
    Critical,
}

/// <summary>One thing a person should look at, with a message they can act on.</summary>
public sealed record ReviewFlag(string Store, string Item, ReviewFlagKind Kind, ReviewSeverity Severity, string Message);
