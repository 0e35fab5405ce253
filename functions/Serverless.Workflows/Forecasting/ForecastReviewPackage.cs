namespace Serverless.Workflows.Forecasting;

/// <summary>
/// What a person reviews (the <c>GET /api/forecasts/{instanceId}/review</c> document). The stored
/// package has no instance id or deadline (it belongs to the run's parameters); the route adds them
/// from the instance's pointer. Series with flags come first.
/// </summary>
public sealed record ForecastReviewPackage(
    string? InstanceId,
    string RunDate,
    string WeekStart,
    string WeekEnd,
    double ServiceLevel,
    DateTime? Deadline,
    ReviewModel Model,
    string Summary,
    IReadOnlyList<ReviewFlagEntry> Flags,
    IReadOnlyList<ReviewSeries> Series);

public sealed record ReviewModel(string Name, string Version, bool Promoted, string Reason);

public sealed record ReviewFlagEntry(string Store, string Item, string Kind, string Severity, string Message);

/// <param name="History">Recorded sales of the 28 days before the run date.</param>
/// <param name="Forecast">The target week: expected units and the service-level quantile ordered.</param>
/// <param name="Orders">Proposed order per day of the target week.</param>
public sealed record ReviewSeries(
    string Store,
    string Item,
    string ItemName,
    IReadOnlyList<string> Flags,
    IReadOnlyList<ReviewHistoryDay> History,
    IReadOnlyList<ReviewForecastDay> Forecast,
    IReadOnlyList<int> Orders,
    int WeekUnits);

public sealed record ReviewHistoryDay(string Date, double Sales);

public sealed record ReviewForecastDay(string Date, double Mean, double Quantile);

/// <summary>From an instance to its review: where the package is and when the decision is due.</summary>
public sealed record ForecastReviewPointer(string InstanceId, string PackagePath, string Root, DateTime Deadline, IReadOnlyList<StoreArtifacts> Stores);
