using System.Globalization;
using Microsoft.DurableTask;
using Serverless.Durable;
using Serverless.Forecasting.Aggregation;
using Serverless.Forecasting.Configuration;
using Serverless.Forecasting.Data;
using Serverless.Forecasting.Forecasts;
using Serverless.Forecasting.Modeling;
using Serverless.Storage.Blobs;

namespace Serverless.Workflows.Forecasting;

/// <summary>Aggregate step for one store: its partition -> daily series with covariates, stored as a <see cref="StoreHistory"/>.</summary>
public sealed class ForecastAggregateStoreActivity(IBlobStore blobs) : TaskActivity<AggregateStoreInput, AggregatedStore>
{
    public override async Task<AggregatedStore> RunAsync(TaskActivityContext context, AggregateStoreInput input)
    {
        var cancellationToken = context.CancellationToken;
        var config = ForecastConfig.Parse(input.ConfigJson, "config");
        var runDate = ForecastArtifacts.ParseDate(input.RunDate, "runDate");
        var partition = SalesPartition.FromBytes(await blobs.ReadAllBytesAsync(ForecastArtifacts.Partition(input.Root, input.Store), cancellationToken));
        var options = new AggregationOptions
        {
            FutureDays = config.FutureDays,
            MaxHistoryDays = config.RequiredHistoryDays,
            Catalogue = await ReadCatalogueAsync(blobs, input.Dataset, cancellationToken),
            Weather = await ReadWeatherAsync(input.Dataset, cancellationToken),
            PricePlan = partition.PricePlan(),
        };
        var history = StoreAggregator.Aggregate(partition.Records(), input.Store, runDate, options);
        var bytes = StoreHistorySerializer.ToBytes(history);
        var path = ForecastArtifacts.Aggregate(input.Root, input.Store);
        var hash = ForecastArtifacts.Sha256(bytes);
        await ForecastArtifacts.WriteArtifactAsync(blobs, path, bytes, new ArtifactManifest("store-history", input.RunDate, RunKey(input.Root),
            new Dictionary<string, string>
            {
                ["store"] = input.Store,
                ["start"] = ForecastArtifacts.Date(history.Start),
                ["futureDays"] = config.FutureDays.ToString(CultureInfo.InvariantCulture),
                ["maxHistoryDays"] = config.RequiredHistoryDays.ToString(CultureInfo.InvariantCulture),
                ["items"] = string.Join(",", history.Items),
            }, hash, ForecastArtifacts.CodeVersion), cancellationToken);
        return new AggregatedStore(input.Store, path, hash, history.Items.Count, history.HistoryDays);
    }

    internal static string RunKey(string root) => root[(root.LastIndexOf('/') + 1)..];

    internal static async Task<Catalogue?> ReadCatalogueAsync(IBlobStore blobs, string dataset, CancellationToken cancellationToken)
    {
        var path = ForecastArtifacts.DatasetFile(dataset, ForecastDatasets.Catalogue);
        if (!await blobs.ExistsAsync(path, cancellationToken)) return null;
        var bytes = await blobs.ReadAllBytesAsync(path, cancellationToken);
        return Catalogue.FromJson(System.Text.Encoding.UTF8.GetString(bytes), path);
    }

    private async Task<WeatherTable?> ReadWeatherAsync(string dataset, CancellationToken cancellationToken)
    {
        var path = ForecastArtifacts.DatasetFile(dataset, ForecastDatasets.Weather);
        if (!await blobs.ExistsAsync(path, cancellationToken)) return null;
        await using var stream = await blobs.OpenReadAsync(path, cancellationToken);
        using var reader = new StreamReader(stream);
        return WeatherTable.ReadCsv(reader, path);
    }
}

/// <summary>
/// Train step, in this process: backtest against both baselines, calibration, promotion decision and
/// the final model over every store's history. The model goes to the blob store with its manifest.
/// </summary>
public sealed class ForecastTrainActivity(IBlobStore blobs) : TaskActivity<TrainForecastInput, ForecastModelSummary>
{
    public override async Task<ForecastModelSummary> RunAsync(TaskActivityContext context, TrainForecastInput input)
    {
        var cancellationToken = context.CancellationToken;
        var config = ForecastConfig.Parse(input.ConfigJson, "config");
        var histories = new List<StoreHistory>();
        foreach (var path in input.AggregatePaths)
        {
            histories.Add(StoreHistorySerializer.FromBytes(await blobs.ReadAllBytesAsync(path, cancellationToken)));
        }
        var model = ForecastTrainer.Train(histories, config, ForecastArtifacts.CodeVersion);
        return await StoreAsync(blobs, input, model, cancellationToken);
    }

    /// <summary>Stores a trained model with its manifest (also the entry point for a model trained by a training job).</summary>
    public static async Task<ForecastModelSummary> StoreAsync(IBlobStore blobs, TrainForecastInput input, ForecastModel model, CancellationToken cancellationToken)
    {
        var b = model.Info.Backtest;
        var bytes = model.ToBytes();
        var path2 = ForecastArtifacts.Model(input.Root);
        var summary = Summarize(model, path2);
        await ForecastArtifacts.WriteArtifactAsync(blobs, path2, bytes, new ArtifactManifest("forecast-model", ForecastArtifacts.Date(model.Info.RunDate),
            ForecastAggregateStoreActivity.RunKey(input.Root),
            new Dictionary<string, string>
            {
                ["modelVersion"] = model.Version,
                ["method"] = model.Method,
                ["promoted"] = model.Info.Promotion.Promoted ? "true" : "false",
                ["reason"] = model.Info.Promotion.Reason,
                ["trainingRows"] = model.Info.TrainingRows.ToString(CultureInfo.InvariantCulture),
                ["origins"] = string.Join(",", b.Origins.Select(ForecastArtifacts.Date)),
                ["config"] = input.ConfigJson,
            }, model.Info.TrainingDataHash, ForecastArtifacts.CodeVersion, Metrics: new Dictionary<string, double>
            {
                ["model.wape"] = b.Model.Wape,
                ["model.smape"] = b.Model.Smape,
                ["model.pinball"] = b.Model.PinballLoss,
                ["model.stockOutRate"] = b.Model.StockOutRateVsRecorded,
                [$"{b.SameWeekdayLastWeek.Method}.wape"] = b.SameWeekdayLastWeek.Wape,
                [$"{b.SameWeekdayLastWeek.Method}.smape"] = b.SameWeekdayLastWeek.Smape,
                [$"{b.SameWeekdayLastWeek.Method}.pinball"] = b.SameWeekdayLastWeek.PinballLoss,
                [$"{b.MeanOfLastFourSameWeekdays.Method}.wape"] = b.MeanOfLastFourSameWeekdays.Wape,
                [$"{b.MeanOfLastFourSameWeekdays.Method}.smape"] = b.MeanOfLastFourSameWeekdays.Smape,
                [$"{b.MeanOfLastFourSameWeekdays.Method}.pinball"] = b.MeanOfLastFourSameWeekdays.PinballLoss,
            }), cancellationToken);
        ForecastModelCache.Put(path2, ForecastArtifacts.Sha256(bytes), model);
        return summary;
    }

    public static ForecastModelSummary Summarize(ForecastModel model, string path)
    {
        var b = model.Info.Backtest;
        return new ForecastModelSummary(path, model.Version, model.Method, model.Info.Promotion.Promoted, model.Info.Promotion.Reason,
            model.Info.Config.ServiceLevel, [b.Model, b.SameWeekdayLastWeek, b.MeanOfLastFourSameWeekdays]);
    }
}

/// <summary>Predict step for one store: points and service-level orders for every item over the target week.</summary>
public sealed class ForecastPredictStoreActivity(IBlobStore blobs) : TaskActivity<PredictStoreInput, PredictedStore>
{
    public override async Task<PredictedStore> RunAsync(TaskActivityContext context, PredictStoreInput input)
    {
        var cancellationToken = context.CancellationToken;
        var model = await ForecastModelCache.LoadAsync(blobs, input.ModelPath, cancellationToken);
        var historyBytes = await blobs.ReadAllBytesAsync(input.AggregatePath, cancellationToken);
        var history = StoreHistorySerializer.FromBytes(historyBytes);
        var forecast = model.Predict(history);
        var path = ForecastArtifacts.Forecast(input.Root, input.Store);
        await ForecastArtifacts.WriteArtifactAsync(blobs, path, ForecastArtifacts.ToJsonBytes(forecast), new ArtifactManifest("store-forecast",
            ForecastArtifacts.Date(forecast.RunDate), ForecastAggregateStoreActivity.RunKey(input.Root),
            new Dictionary<string, string>
            {
                ["store"] = input.Store,
                ["modelVersion"] = model.Version,
                ["method"] = model.Method,
                ["targetStart"] = ForecastArtifacts.Date(forecast.TargetStart),
                ["days"] = forecast.Days.ToString(CultureInfo.InvariantCulture),
                ["serviceLevel"] = forecast.ServiceLevel.ToString(CultureInfo.InvariantCulture),
            }, ForecastArtifacts.Sha256(historyBytes), ForecastArtifacts.CodeVersion), cancellationToken);
        return new PredictedStore(input.Store, path, forecast.Items.Count, Math.Round(forecast.Items.Sum(i => i.PointTotal), 3), forecast.Items.Sum(i => i.OrderTotal));
    }

    internal static Task<StoreForecast> ReadAsync(IBlobStore blobs, string path, CancellationToken cancellationToken) =>
        ForecastArtifacts.ReadJsonAsync<StoreForecast>(blobs, path, cancellationToken);
}

/// <summary>
/// The last model loaded, by path and content hash: the predict and publish fan-outs of one run all
/// use the same model, and loading it once per store would cost more than predicting.
/// </summary>
internal static class ForecastModelCache
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static (string Path, string Sha256, ForecastModel Model)? _last;

    public static void Put(string path, string sha256, ForecastModel model) => _last = (path, sha256, model);

    public static async Task<ForecastModel> LoadAsync(IBlobStore blobs, string path, CancellationToken cancellationToken)
    {
        var properties = await blobs.GetPropertiesAsync(path, cancellationToken) ?? throw new BlobNotFoundException(path);
        if (_last is { } hit && hit.Path == path && hit.Sha256 == properties.ContentSha256) return hit.Model;
        await Gate.WaitAsync(cancellationToken);
        try
        {
            if (_last is { } again && again.Path == path && again.Sha256 == properties.ContentSha256) return again.Model;
            var content = await blobs.ReadAsync(path, cancellationToken);
            var model = ForecastModel.FromBytes(content.Content);
            _last = (path, content.Properties.ContentSha256 ?? ForecastArtifacts.Sha256(content.Content), model);
            return model;
        }
        finally
        {
            Gate.Release();
        }
    }
}
