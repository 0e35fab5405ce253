using System.Diagnostics;
using Serverless.Forecasting.Aggregation;
using Serverless.Forecasting.Configuration;
using Serverless.Forecasting.Modeling;

namespace Serverless.Trainer;

/// <summary>The arguments of <c>serverless-trainer forecast</c>.</summary>
/// <param name="Aggregates">Store history files (the aggregation step's output), or folders of them.</param>
/// <param name="Config">Optional forecast config JSON; the library's defaults when absent.</param>
/// <param name="Output">The folder the model, metrics and manifest are written to.</param>
/// <param name="CodeVersion">Recorded in the model and its version; the workflow passes its own so both paths give the same model.</param>
public sealed record ForecastTrainingArguments(IReadOnlyList<string> Aggregates, string? Config, string Output, string? CodeVersion = null);

public sealed record ForecastTrainingOutcome(string ModelPath, ForecastModel Model);

/// <summary>
/// <c>serverless-trainer forecast</c>: reads the per-store aggregates, trains the forecast model with
/// the domain library (backtest, calibration, promotion) and writes <c>model.bin</c> (which carries its
/// own manifest), <c>metrics.json</c> (the backtest) and <c>manifest.json</c>.
/// </summary>
public static class ForecastTraining
{
    public const string ModelFileName = "model.bin";

    public static ForecastTrainingOutcome Run(ForecastTrainingArguments arguments, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var started = Stopwatch.GetTimestamp();
        var files = ResolveFiles(arguments.Aggregates);
        var histories = files.Select(Read).ToList();
        log.WriteLine($"forecast: read {histories.Count} store histories ({string.Join(", ", histories.Select(h => h.StoreId))}), run date {histories[0].RunDate:yyyy-MM-dd}");

        ForecastConfig config;
        try
        {
            config = arguments.Config is null ? ForecastConfig.Default : ForecastConfig.Parse(ReadConfig(arguments.Config), arguments.Config);
        }
        catch (ForecastConfigException ex)
        {
            throw new TrainerInputException(ex.Message, ex);
        }
        var readSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

        started = Stopwatch.GetTimestamp();
        var codeVersion = arguments.CodeVersion ?? Serverless.Training.Contract.TrainingCodeVersion.Current;
        ForecastModel model;
        try
        {
            model = ForecastTrainer.Train(histories, config, codeVersion, line => log.WriteLine($"forecast: {line}"));
        }
        catch (ForecastConfigException ex)
        {
            throw new TrainerInputException(ex.Message, ex);
        }
        var trainSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

        Directory.CreateDirectory(arguments.Output);
        var modelPath = Path.Combine(arguments.Output, ModelFileName);
        TrainerFiles.WriteAtomically(modelPath, model.Save);

        var backtest = model.Info.Backtest;
        var metrics = new Dictionary<string, double>
        {
            ["trainingRows"] = model.Info.TrainingRows,
            ["trainSeconds"] = trainSeconds,
            ["serviceLevel"] = backtest.ServiceLevel,
            ["backtestOrigins"] = backtest.Origins.Count,
        };
        foreach (var (name, figures) in new[] { ("model", backtest.Model), ("sameWeekdayLastWeek", backtest.SameWeekdayLastWeek), ("meanOfLastFourSameWeekdays", backtest.MeanOfLastFourSameWeekdays) })
        {
            metrics[$"{name}.mae"] = figures.Mae;
            metrics[$"{name}.wape"] = figures.Wape;
            metrics[$"{name}.smape"] = figures.Smape;
            metrics[$"{name}.bias"] = figures.Bias;
            metrics[$"{name}.pinballLoss"] = figures.PinballLoss;
        }
        new TrainerMetrics(metrics, new Dictionary<string, string>
        {
            ["modelVersion"] = model.Version,
            ["method"] = model.Method,
            ["promoted"] = model.Info.Promotion.Promoted ? "true" : "false",
            ["reason"] = model.Info.Promotion.Reason,
        }).WriteTo(arguments.Output);

        new TrainerManifest
        {
            Kind = "forecast-gbm",
            CodeVersion = codeVersion,
            Parameters = new Dictionary<string, string> { ["config"] = config.ToJson(), ["runDate"] = histories[0].RunDate.ToString("yyyy-MM-dd") },
            Inputs = files.Concat(arguments.Config is null ? [] : [arguments.Config])
                .ToDictionary(f => f, TrainerManifest.Sha256, StringComparer.Ordinal),
            DataHash = model.Info.TrainingDataHash,
            ModelVersion = model.Version,
            TimingsSeconds = new Dictionary<string, double> { ["read"] = readSeconds, ["train"] = trainSeconds },
        }.WriteTo(arguments.Output);

        log.WriteLine($"forecast: wrote model {model.Version} ({model.Method}; {model.Info.Promotion.Reason}) to {modelPath}");
        return new ForecastTrainingOutcome(modelPath, model);
    }

    /// <summary>The extension of store history files in an aggregates folder (manifests beside them are skipped).</summary>
    public const string HistoryExtension = ".bin";

    /// <summary>Every history file named, or the <c>.bin</c> files in the folders named, in ordinal order.</summary>
    internal static List<string> ResolveFiles(IReadOnlyList<string> aggregates)
    {
        if (aggregates.Count == 0) throw new TrainerInputException("--aggregates: at least one store history file or folder is required");
        var files = new List<string>();
        foreach (var path in aggregates)
        {
            if (File.Exists(path)) files.Add(path);
            else if (Directory.Exists(path))
            {
                var inFolder = Directory.GetFiles(path, "*" + HistoryExtension).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal).ToList();
                if (inFolder.Count == 0) throw new TrainerInputException($"{path}: --aggregates: the folder holds no {HistoryExtension} store history files");
                files.AddRange(inFolder);
            }
            else throw new TrainerInputException($"{path}: --aggregates: no such file or folder");
        }
        return files;
    }

    private static StoreHistory Read(string file)
    {
        try
        {
            using var stream = File.OpenRead(file);
            return StoreHistorySerializer.Read(stream);
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException)
        {
            throw new TrainerInputException($"{file}: --aggregates: not a store history: {ex.Message}", ex);
        }
    }

    private static string ReadConfig(string path) =>
        File.Exists(path) ? File.ReadAllText(path) : throw new TrainerInputException($"{path}: --config: the file does not exist");
}
