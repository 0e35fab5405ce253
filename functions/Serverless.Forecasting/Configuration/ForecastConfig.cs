using System.Text.Json;
using Serverless.Forecasting.Serialization;

namespace Serverless.Forecasting.Configuration;

/// <summary>Which gradient-boosted trees ML.NET trains.</summary>
public enum TrainerKind
{
    LightGbm,
    FastTree,
}

/// <summary>What happens when nobody reviews the forecast before the deadline.</summary>
public enum DeadlinePolicy
{
    /// <summary>Approve automatically when no check flagged anything; otherwise hold and notify.</summary>
    AutoApproveWhenClean,

    /// <summary>Never approve without a person: hold and notify.</summary>
    AlwaysHold,
}

/// <summary>
/// Settings of the weekly forecast, loaded from a JSON file (camelCase names). Properties have
/// setters rather than init accessors: the JSON source generator sets every init-only property,
/// so a field missing from the file would lose its default (dotnet/runtime#84484). Treat a loaded
/// config as read-only and derive variants with <c>with</c>.
/// </summary>
public sealed record ForecastConfig
{
    /// <summary>Days from the run date to the first day of the target week.</summary>
    public int LeadTimeDays { get; set; } = 2;

    /// <summary>Days in the target week.</summary>
    public int HorizonDays { get; set; } = 7;

    /// <summary>Probability that an order covers the day's demand (the quantile ordered).</summary>
    public double ServiceLevel { get; set; } = 0.95;

    /// <summary>Store ids to forecast; empty means all stores in the data.</summary>
    public IReadOnlyList<string> Stores { get; set; } = [];

    public ModelSettings Model { get; set; } = new();

    public BacktestSettings Backtest { get; set; } = new();

    public ReviewSettings Review { get; set; } = new();

    /// <summary>Covariate days needed after the run date (lead time plus horizon).</summary>
    public int FutureDays => LeadTimeDays + HorizonDays;

    /// <summary>
    /// History the job needs before the run date: the training window, the backtest origins, and
    /// what the features of the earliest training row read before its origin (the seasonal windows
    /// of up to three earlier years).
    /// </summary>
    public int RequiredHistoryDays =>
        (Backtest.Origins + Backtest.CalibrationOrigins) * 7 + FutureDays + HistoryDaysPerModel;

    /// <summary>Days of history one model needs before its cut-off: its training window plus the features' look-back.</summary>
    internal int HistoryDaysPerModel => Model.TrainingWindowDays + FutureDays + Features.FeatureSet.LookBackDays + 14;

    /// <summary>A fresh config with every default (a new instance each time, since configs have setters).</summary>
    public static ForecastConfig Default => new();

    /// <summary>Parses JSON; syntax and type errors name the source, line and field.</summary>
    public static ForecastConfig Parse(string json, string sourceName)
    {
        try
        {
            return JsonSerializer.Deserialize(json, ForecastJsonContext.Default.ForecastConfig)
                ?? throw new ForecastConfigException(sourceName, [$"{sourceName}: line 1: the configuration is empty (null)."]);
        }
        catch (JsonException e)
        {
            var line = (e.LineNumber ?? 0) + 1;
            var field = string.IsNullOrEmpty(e.Path) ? "" : $" field '{e.Path.TrimStart('$', '.')}':";
            throw new ForecastConfigException(sourceName, [$"{sourceName}: line {line}:{field} {FirstSentence(e.Message)}"]);
        }
    }

    /// <summary>Loads and validates a config file; <paramref name="knownStores"/> are the stores in the catalogue or data.</summary>
    public static ForecastConfig Load(string path, IEnumerable<string>? knownStores = null)
    {
        var config = Parse(File.ReadAllText(path), path);
        config.EnsureValid(path, knownStores);
        return config;
    }

    public string ToJson() => JsonSerializer.Serialize(this, ForecastJsonContext.Default.ForecastConfig);

    /// <summary>Every problem found, each naming the field; empty when the config is valid.</summary>
    public IReadOnlyList<string> Validate(IEnumerable<string>? knownStores = null)
    {
        var errors = new List<string>();
        void Check(bool ok, string field, string message)
        {
            if (!ok) errors.Add($"field '{field}': {message}");
        }

        if (Stores is null || Stores.Any(s => s is null)) errors.Add("field 'stores': must be a list of store ids, found null");
        if (Model is null) errors.Add("field 'model': must be an object, found null");
        if (Backtest is null) errors.Add("field 'backtest': must be an object, found null");
        if (Review is null) errors.Add("field 'review': must be an object, found null");
        if (Stores is null || Model is null || Backtest is null || Review is null || errors.Count > 0) return errors;

        Check(LeadTimeDays >= 0, "leadTimeDays", $"must be zero or more, found {LeadTimeDays}");
        Check(HorizonDays > 0, "horizonDays", $"must be positive, found {HorizonDays}");
        Check(HorizonDays <= 28, "horizonDays", $"must be at most 28, found {HorizonDays}");
        Check(ServiceLevel > 0 && ServiceLevel < 1, "serviceLevel", $"must be strictly between 0 and 1, found {ServiceLevel}");
        Check(Stores.Distinct(StringComparer.Ordinal).Count() == Stores.Count, "stores", "lists a store more than once");
        if (knownStores is not null)
        {
            var known = knownStores.ToHashSet(StringComparer.Ordinal);
            var unknown = Stores.Where(s => !known.Contains(s)).ToList();
            Check(unknown.Count == 0, "stores", $"unknown store(s) {string.Join(", ", unknown.Select(s => $"'{s}'"))}; known: {string.Join(", ", known.Order(StringComparer.Ordinal))}");
        }
        Check(Model.Iterations > 0, "model.iterations", $"must be positive, found {Model.Iterations}");
        Check(Model.Leaves >= 2, "model.leaves", $"must be at least 2, found {Model.Leaves}");
        Check(Model.LearningRate > 0 && Model.LearningRate <= 1, "model.learningRate", $"must be in (0, 1], found {Model.LearningRate}");
        Check(Model.MinExamplesPerLeaf >= 1, "model.minExamplesPerLeaf", $"must be at least 1, found {Model.MinExamplesPerLeaf}");
        Check(Model.TrainingWindowDays >= 28, "model.trainingWindowDays", $"must be at least 28, found {Model.TrainingWindowDays}");
        Check(Model.MaxTrainingRows >= 1000, "model.maxTrainingRows", $"must be at least 1000, found {Model.MaxTrainingRows}");
        Check(Backtest.Origins >= 1, "backtest.origins", $"must be at least 1, found {Backtest.Origins}");
        Check(Backtest.CalibrationOrigins >= 0, "backtest.calibrationOrigins", $"must be zero or more, found {Backtest.CalibrationOrigins}");
        Check(Backtest.CalibrationBuckets >= 1, "backtest.calibrationBuckets", $"must be at least 1, found {Backtest.CalibrationBuckets}");
        Check(Review.MaxRatioToRecent > 1, "review.maxRatioToRecent", $"must be above 1, found {Review.MaxRatioToRecent}");
        Check(Review.MaxWeekOverWeekRatio > 1, "review.maxWeekOverWeekRatio", $"must be above 1, found {Review.MaxWeekOverWeekRatio}");
        Check(Review.MinWeeklyUnits >= 0, "review.minWeeklyUnits", $"must be zero or more, found {Review.MinWeeklyUnits}");
        Check(Review.StaleHistoryDays >= 1, "review.staleHistoryDays", $"must be at least 1, found {Review.StaleHistoryDays}");
        Check(Review.DeadlineHours > 0, "review.deadlineHours", $"must be positive, found {Review.DeadlineHours}");
        Check(Review.ReminderHours >= 0, "review.reminderHours", $"must not be negative, found {Review.ReminderHours}");
        Check(Enum.IsDefined(Review.DeadlinePolicy), "review.deadlinePolicy", $"unknown policy {Review.DeadlinePolicy}");
        Check(Enum.IsDefined(Model.Trainer), "model.trainer", $"unknown trainer {Model.Trainer}");
        return errors;
    }

    /// <summary>Throws <see cref="ForecastConfigException"/> listing every problem.</summary>
    public void EnsureValid(string sourceName, IEnumerable<string>? knownStores = null)
    {
        var errors = Validate(knownStores);
        if (errors.Count > 0) throw new ForecastConfigException(sourceName, errors.Select(e => $"{sourceName}: {e}").ToList());
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(". Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..(cut + 1)] : message;
    }
}

/// <summary>The global gradient-boosted model and its training data.</summary>
public sealed record ModelSettings
{
    public TrainerKind Trainer { get; set; } = TrainerKind.LightGbm;

    /// <summary>Boosting iterations (trees).</summary>
    public int Iterations { get; set; } = 150;

    public int Leaves { get; set; } = 31;

    public double LearningRate { get; set; } = 0.1;

    public int MinExamplesPerLeaf { get; set; } = 40;

    /// <summary>Days of target days before the cut-off used for training.</summary>
    public int TrainingWindowDays { get; set; } = 728;

    /// <summary>Above this many rows the training set is sampled (deterministically), to bound time and memory.</summary>
    public int MaxTrainingRows { get; set; } = 300_000;

    public int Seed { get; set; } = 42;
}

/// <summary>Rolling-origin backtest.</summary>
public sealed record BacktestSettings
{
    /// <summary>Weekly origins evaluated, the last one ending the day before the run date.</summary>
    public int Origins { get; set; } = 8;

    /// <summary>Extra earlier origins whose errors only calibrate the quantiles of the first evaluated ones.</summary>
    public int CalibrationOrigins { get; set; } = 3;

    /// <summary>Prediction-level buckets the residual quantiles are taken in.</summary>
    public int CalibrationBuckets { get; set; } = 6;
}

/// <summary>Thresholds of the automatic review and the human review deadline.</summary>
public sealed record ReviewSettings
{
    /// <summary>Flag a forecast week above this multiple (or below its inverse) of the mean of the last 4 weeks.</summary>
    public double MaxRatioToRecent { get; set; } = 2.0;

    /// <summary>Flag a forecast week above this multiple (or below its inverse) of last week's sales.</summary>
    public double MaxWeekOverWeekRatio { get; set; } = 1.8;

    /// <summary>Ratios are only checked when the recent weeks or the forecast reach this many units.</summary>
    public double MinWeeklyUnits { get; set; } = 14;

    /// <summary>A series with no sales in this many days before the run date has no recent history.</summary>
    public int StaleHistoryDays { get; set; } = 28;

    public double DeadlineHours { get; set; } = 24;

    /// <summary>A reminder goes out this many hours before the deadline while nobody has decided; 0 sends none.</summary>
    public double ReminderHours { get; set; } = 4;

    public DeadlinePolicy DeadlinePolicy { get; set; } = DeadlinePolicy.AutoApproveWhenClean;
}

/// <summary>A configuration file is unusable; <see cref="Errors"/> lists every problem with its field.</summary>
public sealed class ForecastConfigException(string source, IReadOnlyList<string> errors)
    : Exception($"invalid forecast configuration: {string.Join("; ", errors)}")
{
    public string SourceName { get; } = source;

    public IReadOnlyList<string> Errors { get; } = errors;
}
