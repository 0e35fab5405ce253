namespace Serverless.Forecasting.Data;

/// <summary>
/// One row of the common sales shape <c>date,store,item,sales[,price]</c>. <see cref="Price"/> is
/// NaN when the file has no price column. <see cref="StockOut"/> is true only when a source knows
/// the day sold out (the synthetic chain does; the CSV shape has no such column).
/// </summary>
public readonly record struct SalesRecord(DateOnly Date, string Store, string Item, float Sales, float Price, bool StockOut = false);
