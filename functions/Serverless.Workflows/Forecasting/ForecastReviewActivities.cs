using Microsoft.DurableTask;
using Serverless.Durable;
using Serverless.Forecasting.Aggregation;
using Serverless.Forecasting.Configuration;
using Serverless.Forecasting.Forecasts;
using Serverless.Forecasting.Review;
using Serverless.Storage.Blobs;

namespace Serverless.Workflows.Forecasting;

/// <summary>
/// Automatic review: the library's checks over every forecast against its own history, then the
/// review package (flags and, per series, the last 28 days, the forecast and the orders) and the
/// instance's pointer to it.
/// </summary>
public sealed class ForecastReviewActivity(IBlobStore blobs) : TaskActivity<ReviewForecastInput, ForecastReviewSummary>
{
    public const int HistoryDays = 28;

    public override async Task<ForecastReviewSummary> RunAsync(TaskActivityContext context, ReviewForecastInput input)
    {
        var cancellationToken = context.CancellationToken;
        // Every run reviews, whichever way it trained: the run's quality figures go out from here.
        Telemetry.WorkflowMetrics.RecordForecastBacktest(input.Model.Backtest);
        var config = ForecastConfig.Parse(input.ConfigJson, "config");
        var forecasts = new List<StoreForecast>();
        var histories = new List<StoreHistory>();
        foreach (var store in input.Stores)
        {
            forecasts.Add(await ForecastPredictStoreActivity.ReadAsync(blobs, store.ForecastPath, cancellationToken));
            histories.Add(StoreHistorySerializer.FromBytes(await blobs.ReadAllBytesAsync(store.AggregatePath, cancellationToken)));
        }
        var result = ForecastReviewer.Review(forecasts, histories.Select(StoreSeriesList.Of).ToList(), config.Review);
        var catalogue = await ForecastAggregateStoreActivity.ReadCatalogueAsync(blobs, input.Dataset, cancellationToken);
        var package = Build(input, config, result, forecasts, histories, catalogue is null ? null : item => catalogue.FindItem(item)?.Name);
        var path = ForecastArtifacts.ReviewPackage(input.Root);
        await blobs.WriteAsync(path, ForecastArtifacts.ToJsonBytes(package), BlobWriteCondition.Overwrite, cancellationToken);
        await blobs.WriteAsync(ForecastArtifacts.ReviewPointer(context.InstanceId),
            ForecastArtifacts.ToJsonBytes(new ForecastReviewPointer(context.InstanceId, path, input.Root, input.Deadline, input.Stores)),
            BlobWriteCondition.Overwrite, cancellationToken);
        return new ForecastReviewSummary(path, result.SeriesChecked, result.Flags.Count, result.Count(ReviewSeverity.Critical),
            result.Count(ReviewSeverity.Warning), result.IsClean, result.Summary);
    }

    internal static ForecastReviewPackage Build(ReviewForecastInput input, ForecastConfig config, ReviewResult result,
        IReadOnlyList<StoreForecast> forecasts, IReadOnlyList<StoreHistory> histories, Func<string, string?>? itemName)
    {
        var flagsBySeries = result.Flags.ToLookup(f => (f.Store, f.Item));
        var worst = result.Flags.GroupBy(f => (f.Store, f.Item)).ToDictionary(g => g.Key, g => g.Max(f => f.Severity));
        var series = new List<ReviewSeries>();
        foreach (var (forecast, history) in forecasts.Zip(histories))
        {
            foreach (var item in forecast.Items)
            {
                var index = history.IndexOf(item.Item);
                var days = new List<ReviewHistoryDay>();
                if (index >= 0)
                {
                    var sales = history.Sales(index);
                    for (var d = Math.Max(0, history.HistoryDays - HistoryDays); d < history.HistoryDays; d++)
                    {
                        days.Add(new ReviewHistoryDay(ForecastArtifacts.Date(history.DateOf(d)), sales[d]));
                    }
                }
                var week = forecast.TargetDates.Select((date, d) => new ReviewForecastDay(ForecastArtifacts.Date(date), item.Point[d], item.Order[d])).ToList();
                series.Add(new ReviewSeries(forecast.Store, item.Item, itemName?.Invoke(item.Item) ?? item.Item,
                    flagsBySeries[(forecast.Store, item.Item)].Select(f => f.Kind.ToString()).Distinct().ToList(),
                    days, week, item.Order.ToList(), item.OrderTotal));
            }
        }
        var ordered = series
            .OrderByDescending(s => worst.TryGetValue((s.Store, s.Item), out var severity) ? (int)severity + 1 : 0)
            .ThenBy(s => s.Store, StringComparer.Ordinal)
            .ThenBy(s => s.Item, StringComparer.Ordinal)
            .ToList();
        return new ForecastReviewPackage(null, input.RunDate, input.WeekStart, input.WeekEnd, config.ServiceLevel, null,
            new ReviewModel(input.Model.Name, input.Model.Version, input.Model.Promoted, input.Model.Reason),
            result.Summary,
            result.Flags.Select(f => new ReviewFlagEntry(f.Store, f.Item, f.Kind.ToString(), f.Severity.ToString(), f.Message)).ToList(),
            ordered);
    }
}

/// <summary>Checks a reviewer's adjustments against the forecasts: known stores and items only.</summary>
public sealed class ForecastValidateDecisionActivity(IBlobStore blobs) : TaskActivity<ValidateDecisionInput, List<string>>
{
    public override Task<List<string>> RunAsync(TaskActivityContext context, ValidateDecisionInput input) =>
        ForecastDecisions.ValidateAsync(blobs, input.Stores, input.Decision, context.CancellationToken);
}

/// <summary>Validation of a <c>ForecastReviewed</c> payload, shared by the orchestration and the HTTP route.</summary>
public static class ForecastDecisions
{
    /// <summary>Every problem with the decision (shape, then stores and items); empty when it can be applied.</summary>
    public static async Task<List<string>> ValidateAsync(IBlobStore blobs, IReadOnlyList<StoreArtifacts> stores, ForecastReviewDecision decision, CancellationToken cancellationToken)
    {
        var (normalized, _, problems) = WeeklyForecastOrchestrator.Normalize(decision);
        if (problems.Count > 0) return problems;
        var byStore = stores.ToDictionary(s => s.Store, StringComparer.Ordinal);
        foreach (var group in (normalized.Adjustments ?? []).GroupBy(a => a.Store, StringComparer.Ordinal))
        {
            if (!byStore.TryGetValue(group.Key, out var store))
            {
                problems.Add($"unknown store '{group.Key}' (stores of this run: {string.Join(", ", byStore.Keys)})");
                continue;
            }
            var forecast = await ForecastPredictStoreActivity.ReadAsync(blobs, store.ForecastPath, cancellationToken);
            foreach (var adjustment in group)
            {
                if (forecast.Find(adjustment.Item) is null) problems.Add($"store '{group.Key}' has no item '{adjustment.Item}' in this forecast");
            }
        }
        return problems;
    }
}
