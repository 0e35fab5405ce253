using System.Text;
using System.Text.Json;
using Serverless.Forecasting.Aggregation;
using Serverless.Forecasting.Features;
using Serverless.Forecasting.Forecasts;
using Serverless.Forecasting.Serialization;

namespace Serverless.Forecasting.Modeling;

/// <summary>
/// A trained forecast: the global model, its calibrators and its manifest. It serializes to one
/// byte stream (so training can run in a separate process) and predicts one store per call.
/// </summary>
public sealed class ForecastModel
{
    private const uint Magic = 0x4D464653; // "SFFM"
    private const int FormatVersion = 1;

    private readonly GbmRegressor _regressor;
    private readonly LevelPool? _pool;

    internal ForecastModel(ModelInfo info, GbmRegressor regressor)
    {
        Info = info;
        _regressor = regressor;
        _pool = info.Seasonality?.AsPool();
    }

    public ModelInfo Info { get; }

    public string Version => Info.ModelVersion;

    /// <summary>"model" when promoted, otherwise the fallback baseline's name.</summary>
    public string Method => Info.Promotion.Method;

    /// <summary>
    /// The predict step for one store: points and order quantities for every item over the target
    /// week <c>[RunDate + leadTime, + horizon)</c> of <paramref name="history"/>, using only sales
    /// before its run date.
    /// </summary>
    public StoreForecast Predict(StoreHistory history)
    {
        var config = Info.Config;
        var points = SeriesForecaster.Forecast(history, _regressor, Info.Vocabulary, _pool, config.LeadTimeDays, config.HorizonDays);
        var lastWeek = NaiveBaselines.NameOf(NaiveBaseline.SameWeekdayLastWeek);
        var fourWeek = NaiveBaselines.NameOf(NaiveBaseline.MeanOfLastFourSameWeekdays);
        var items = new List<ItemForecast>(points.Count);
        foreach (var p in points)
        {
            string source;
            double[] values;
            if (history.FirstDay(p.Item) >= history.HistoryDays)
            {
                (source, values) = ("no-history", new double[config.HorizonDays]);
            }
            else if (Info.Promotion.Promoted)
            {
                (source, values) = p.ModelUsable ? (ForecastTrainer.ModelMethod, p.Model) : (fourWeek, p.FourWeekMean);
            }
            else
            {
                (source, values) = Method == lastWeek ? (lastWeek, p.LastWeek) : (fourWeek, p.FourWeekMean);
            }
            var calibrator = Info.Calibrators.TryGetValue(source, out var c) ? c : Info.Calibrators[fourWeek];
            var rounded = values.Select(v => Math.Round(v, 3)).ToArray();
            var orders = rounded.Select(calibrator.OrderQuantity).ToArray();
            items.Add(new ItemForecast(history.Items[p.Item], rounded, orders, source, p.Recent));
        }
        return new StoreForecast(history.StoreId, history.RunDate, history.RunDate.AddDays(config.LeadTimeDays),
            config.HorizonDays, config.ServiceLevel, Method, Version, items);
    }

    /// <summary>Writes the model: a header, the manifest as JSON, then ML.NET's own model bytes.</summary>
    public void Save(Stream stream)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(FormatVersion);
        var json = JsonSerializer.SerializeToUtf8Bytes(Info, ForecastJsonContext.Default.ModelInfo);
        writer.Write(json.Length);
        writer.Write(json);
        var trees = _regressor.ToBytes();
        writer.Write(trees.Length);
        writer.Write(trees);
    }

    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        Save(stream);
        return stream.ToArray();
    }

    public static ForecastModel Load(Stream stream)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        if (reader.ReadUInt32() != Magic) throw new InvalidDataException("not a forecast model (bad magic number)");
        var version = reader.ReadInt32();
        if (version != FormatVersion) throw new InvalidDataException($"forecast model format {version} is not supported (expected {FormatVersion})");
        var json = reader.ReadBytes(reader.ReadInt32());
        var info = JsonSerializer.Deserialize(json, ForecastJsonContext.Default.ModelInfo)
            ?? throw new InvalidDataException("the model manifest is empty");
        if (info.FeatureSetVersion != FeatureSet.Version)
        {
            throw new InvalidDataException($"model {info.ModelVersion} uses feature set {info.FeatureSetVersion}; this code has {FeatureSet.Version}");
        }
        var trees = reader.ReadBytes(reader.ReadInt32());
        return new ForecastModel(info, GbmRegressor.FromBytes(trees, FeatureSet.Count, info.Config.Model.Seed));
    }

    public static ForecastModel FromBytes(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return Load(stream);
    }
}
