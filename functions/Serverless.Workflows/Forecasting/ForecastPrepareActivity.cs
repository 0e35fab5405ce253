using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.DurableTask;
using Serverless.Durable;
using Serverless.Forecasting.Configuration;
using Serverless.Forecasting.Import;
using Serverless.Storage.Blobs;
using Serverless.Workflows.Inputs;

namespace Serverless.Workflows.Forecasting;

/// <summary>
/// The first step: loads and validates the config (unknown stores, bad values), checks the dataset
/// covers the run (data before the run date, up to the day before it), reads the sales once and
/// writes each store's rows of the window the run needs as a partition for the aggregate fan-out.
/// Nothing is published here; a refused run stops before any store sees anything.
/// </summary>
public sealed class ForecastPrepareActivity(IBlobStore blobs, IConfiguration configuration, WorkflowPaths paths, InputFiles inputFiles)
    : TaskActivity<PrepareForecastInput, PreparedForecastRun>
{
    public override async Task<PreparedForecastRun> RunAsync(TaskActivityContext context, PrepareForecastInput input)
    {
        var cancellationToken = context.CancellationToken;
        var settings = ForecastWorkflowSettings.From(configuration);
        var runDate = ForecastArtifacts.ParseDate(input.RunDate, "runDate");
        var dataset = input.Dataset ?? settings.Dataset;
        ForecastDatasets.ValidateName(dataset);
        var (config, source) = LoadConfig(input, settings);
        if (input.Seed is { } seed) config = config with { Model = config.Model with { Seed = seed } };
        config.EnsureValid(source);

        var manifest = await ForecastDatasets.ReadManifestAsync(blobs, dataset, cancellationToken)
            ?? throw new ForecastDataException($"dataset '{dataset}' not found: {ForecastArtifacts.DatasetFile(dataset, ForecastDatasets.ManifestFile)} is missing in the blob store; run `serverless data generate` or `serverless data import FILE`.");
        config.EnsureValid(source, manifest.Stores);
        var salesPath = ForecastArtifacts.DatasetFile(dataset, ForecastDatasets.Sales);
        var first = ForecastArtifacts.ParseDate(manifest.FirstDate, $"{ForecastArtifacts.DatasetFile(dataset, ForecastDatasets.ManifestFile)}: firstDate");
        var last = ForecastArtifacts.ParseDate(manifest.LastDate, $"{ForecastArtifacts.DatasetFile(dataset, ForecastDatasets.ManifestFile)}: lastDate");
        if (runDate <= first)
            throw new ForecastDataException($"run date {runDate:yyyy-MM-dd} is before the data starts: {salesPath} has sales from {first:yyyy-MM-dd} to {last:yyyy-MM-dd}.");
        var minimumDays = config.FutureDays + (config.Backtest.Origins + config.Backtest.CalibrationOrigins) * 7 + 28;
        if (runDate.DayNumber - first.DayNumber < minimumDays)
            throw new ForecastDataException($"run date {runDate:yyyy-MM-dd} leaves {runDate.DayNumber - first.DayNumber} days of sales in {salesPath} (from {first:yyyy-MM-dd}); the backtest needs at least {minimumDays}.");
        if (last < runDate.AddDays(-1))
            throw new ForecastDataException($"{salesPath} ends on {last:yyyy-MM-dd}; a run on {runDate:yyyy-MM-dd} needs sales up to {runDate.AddDays(-1):yyyy-MM-dd}. Import newer sales or choose a run date up to {last.AddDays(1):yyyy-MM-dd}.");

        var stores = config.Stores.Count > 0 ? config.Stores.Order(StringComparer.Ordinal).ToList() : manifest.Stores.Order(StringComparer.Ordinal).ToList();
        var dataHash = await DataHashAsync(dataset, manifest, cancellationToken);
        var configJson = config.ToJson();
        var runKey = ForecastArtifacts.Sha256($"{configJson}|{dataset}|{dataHash}|{ForecastArtifacts.CodeVersion}")[..16];
        var root = ForecastArtifacts.RunRoot(ForecastArtifacts.Date(runDate), runKey);

        var (partitions, rows, quarantine) = await PartitionAsync(dataset, stores, runDate, config, cancellationToken);
        foreach (var store in stores)
        {
            if (partitions[store].SalesRows == 0)
                throw new ForecastDataException($"store '{store}' has no sales in {salesPath} before the run date {runDate:yyyy-MM-dd}.");
        }

        var parameters = new Dictionary<string, string>
        {
            ["runDate"] = ForecastArtifacts.Date(runDate),
            ["dataset"] = dataset,
            ["config"] = configJson,
            ["stores"] = string.Join(",", stores),
        };
        var artifact = new ArtifactManifest("sales-partition", ForecastArtifacts.Date(runDate), runKey, parameters, dataHash, ForecastArtifacts.CodeVersion);
        foreach (var store in stores)
        {
            await ForecastArtifacts.WriteArtifactAsync(blobs, ForecastArtifacts.Partition(root, store), partitions[store].ToBytes(),
                artifact with { Parameters = new Dictionary<string, string>(parameters) { ["store"] = store } }, cancellationToken);
        }
        if (quarantine.Count > 0)
        {
            using var text = new StringWriter(CultureInfo.InvariantCulture);
            quarantine.WriteCsv(text);
            await blobs.WriteAsync($"{root}/quarantine.csv", System.Text.Encoding.UTF8.GetBytes(text.ToString()), BlobWriteCondition.Overwrite, cancellationToken);
        }
        var weekStart = runDate.AddDays(config.LeadTimeDays);
        var run = new PreparedForecastRun(
            ForecastArtifacts.Date(runDate), ForecastArtifacts.Date(weekStart), ForecastArtifacts.Date(weekStart.AddDays(config.HorizonDays - 1)),
            root, runKey, configJson, stores, dataset, dataHash, manifest.FirstDate, manifest.LastDate, rows, quarantine.Count,
            settings.Training, config.Review.DeadlineHours, config.Review.DeadlinePolicy.ToString(), config.ServiceLevel, config.Review.ReminderHours);
        await blobs.WriteAsync($"{root}/run.json", ForecastArtifacts.ToJsonBytes(run with { }), BlobWriteCondition.Overwrite, cancellationToken);
        return run;
    }

    private (ForecastConfig Config, string Source) LoadConfig(PrepareForecastInput input, ForecastWorkflowSettings settings)
    {
        if (input.Config is { ValueKind: not System.Text.Json.JsonValueKind.Null and not System.Text.Json.JsonValueKind.Undefined } inline)
        {
            return (ForecastConfig.Parse(inline.GetRawText(), "input config"), "input config");
        }
        // A path from the input is untrusted: only a regular file in the input folder, up to its size limit.
        if (input.ConfigPath is { } requested) return (ForecastConfig.Parse(inputFiles.ReadAllText(requested, "configPath"), requested), requested);
        var path = settings.ConfigPath;
        if (path is null) return (ForecastConfig.Default, "default config");
        var full = paths.Resolve(path);
        if (!File.Exists(full)) throw new ForecastConfigException(path, [$"{path}: the config file does not exist (looked for {full})."]);
        return (ForecastConfig.Parse(File.ReadAllText(full), path), path);
    }

    /// <summary>One hash over the dataset's files (each as stored), in name order.</summary>
    private async Task<string> DataHashAsync(string dataset, ForecastDatasetManifest manifest, CancellationToken cancellationToken)
    {
        var parts = new List<string>();
        foreach (var file in manifest.Files.Where(f => f != ForecastDatasets.Quarantine).Order(StringComparer.Ordinal))
        {
            var properties = await blobs.GetPropertiesAsync(ForecastArtifacts.DatasetFile(dataset, file), cancellationToken)
                ?? throw new ForecastDataException($"dataset '{dataset}' is incomplete: {ForecastArtifacts.DatasetFile(dataset, file)} is listed in its manifest but missing.");
            var sha = properties.ContentSha256 ?? ForecastArtifacts.Sha256(await blobs.ReadAllBytesAsync(properties.Path, cancellationToken));
            parts.Add($"{file}:{sha}");
        }
        return ForecastArtifacts.Sha256(string.Join("\n", parts));
    }

    private async Task<(Dictionary<string, SalesPartition> Partitions, long Rows, Quarantine Quarantine)> PartitionAsync(
        string dataset, IReadOnlyList<string> stores, DateOnly runDate, ForecastConfig config, CancellationToken cancellationToken)
    {
        // One week more than the window, so the aggregation carries the last price before it forward exactly as on the full data.
        var from = runDate.AddDays(-(config.RequiredHistoryDays + 7));
        var to = runDate.AddDays(config.FutureDays);
        var partitions = stores.ToDictionary(s => s, s => new SalesPartition(s, runDate), StringComparer.Ordinal);
        var stockouts = await ReadStockoutsAsync(dataset, cancellationToken);
        var quarantine = new Quarantine();
        long rows = 0;
        var salesPath = ForecastArtifacts.DatasetFile(dataset, ForecastDatasets.Sales);
        await using (var stream = await blobs.OpenReadAsync(salesPath, cancellationToken))
        using (var reader = new StreamReader(stream))
        {
            foreach (var record in SalesCsvImporter.Read(reader, salesPath, quarantine))
            {
                rows++;
                if (record.Date < from || record.Date >= to || !partitions.TryGetValue(record.Store, out var partition)) continue;
                var stockOut = record.StockOut || (stockouts?.Contains(record.Store, record.Item, record.Date) ?? false);
                partition.Add(record with { StockOut = stockOut });
            }
        }
        var planPath = ForecastArtifacts.DatasetFile(dataset, ForecastDatasets.PricePlan);
        if (await blobs.ExistsAsync(planPath, cancellationToken))
        {
            await using var stream = await blobs.OpenReadAsync(planPath, cancellationToken);
            using var reader = new StreamReader(stream);
            foreach (var record in SalesCsvImporter.Read(reader, planPath, quarantine))
            {
                if (record.Date < runDate || record.Date >= to || !partitions.TryGetValue(record.Store, out var partition)) continue;
                partition.AddPlannedPrice(record.Item, record.Date, record.Price);
            }
        }
        return (partitions, rows, quarantine);
    }

    private async Task<StockoutDays?> ReadStockoutsAsync(string dataset, CancellationToken cancellationToken)
    {
        var path = ForecastArtifacts.DatasetFile(dataset, ForecastDatasets.Stockouts);
        if (!await blobs.ExistsAsync(path, cancellationToken)) return null;
        await using var stream = await blobs.OpenReadAsync(path, cancellationToken);
        using var reader = new StreamReader(stream);
        return StockoutDays.ReadCsv(reader, path);
    }
}
