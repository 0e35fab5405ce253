using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
using Serverless.Forecasting.Configuration;

namespace Serverless.Forecasting.Modeling;

/// <summary>
/// The ML.NET part: trains gradient-boosted trees on a feature matrix, predicts, and saves/loads
/// the model as a byte stream. Training is single-threaded on purpose: the trainer then gives the
/// same trees on any machine, and the caller gets its parallelism by training the backtest origins
/// side by side instead.
/// </summary>
internal sealed class GbmRegressor
{
    private readonly MLContext _context;
    private readonly ITransformer _model;
    private readonly SchemaDefinition _schema;
    private readonly object _gate = new();

    private GbmRegressor(MLContext context, ITransformer model, int featureCount)
    {
        _context = context;
        _model = model;
        FeatureCount = featureCount;
        _schema = Schema(featureCount);
    }

    public int FeatureCount { get; }

    public static GbmRegressor Train(TrainingSet data, ModelSettings settings)
    {
        if (data.Count == 0) throw new InvalidOperationException("no training rows: the histories are too short for the training window");
        var context = new MLContext(seed: settings.Seed);
        var view = context.Data.LoadFromEnumerable(data.Rows(), Schema(data.FeatureCount));
        IEstimator<ITransformer> trainer = settings.Trainer switch
        {
            TrainerKind.LightGbm => context.Regression.Trainers.LightGbm(new LightGbmRegressionTrainer.Options
            {
                NumberOfIterations = settings.Iterations,
                NumberOfLeaves = settings.Leaves,
                LearningRate = settings.LearningRate,
                MinimumExampleCountPerLeaf = settings.MinExamplesPerLeaf,
                MaximumBinCountPerFeature = 127,
                NumberOfThreads = 1,
                Seed = settings.Seed,
                ExampleWeightColumnName = nameof(FeatureRow.Weight),
                Silent = true,
                Verbose = false,
            }),
            TrainerKind.FastTree => context.Regression.Trainers.FastTree(new FastTreeRegressionTrainer.Options
            {
                NumberOfTrees = settings.Iterations,
                NumberOfLeaves = settings.Leaves,
                LearningRate = settings.LearningRate,
                MinimumExampleCountPerLeaf = settings.MinExamplesPerLeaf,
                NumberOfThreads = 1,
                ExampleWeightColumnName = nameof(FeatureRow.Weight),
            }),
            _ => throw new ArgumentOutOfRangeException(nameof(settings), $"unknown trainer {settings.Trainer}"),
        };
        var model = trainer.Fit(view);
        return new GbmRegressor(context, model, data.FeatureCount);
    }

    /// <summary>Scores rows (each <see cref="FeatureCount"/> floats, row-major).</summary>
    public float[] Predict(float[] features)
    {
        var rows = features.Length / FeatureCount;
        var items = new FeatureRow[rows];
        for (var r = 0; r < rows; r++) items[r] = new FeatureRow { Features = features.AsSpan(r * FeatureCount, FeatureCount).ToArray() };
        lock (_gate)
        {
            var view = _context.Data.LoadFromEnumerable(items, _schema);
            return _model.Transform(view).GetColumn<float>("Score").ToArray();
        }
    }

    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        var view = _context.Data.LoadFromEnumerable(Array.Empty<FeatureRow>(), _schema);
        _context.Model.Save(_model, view.Schema, stream);
        return DeterministicZip.Normalize(stream.ToArray());
    }

    public static GbmRegressor FromBytes(byte[] bytes, int featureCount, int seed)
    {
        var context = new MLContext(seed: seed);
        using var stream = new MemoryStream(bytes, writable: false);
        var model = context.Model.Load(stream, out _);
        return new GbmRegressor(context, model, featureCount);
    }

    private static SchemaDefinition Schema(int featureCount)
    {
        var schema = SchemaDefinition.Create(typeof(FeatureRow));
        schema[nameof(FeatureRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, featureCount);
        return schema;
    }

    internal sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];

        public float Label { get; set; }

        public float Weight { get; set; } = 1;
    }
}

/// <summary>Training rows in flat arrays (features row-major), turned into ML.NET rows only while fitting.</summary>
internal sealed class TrainingSet(int featureCount)
{
    private readonly List<float> _features = [];
    private readonly List<float> _labels = [];
    private readonly List<float> _weights = [];

    public int FeatureCount { get; } = featureCount;

    public int Count => _labels.Count;

    public void Add(ReadOnlySpan<float> features, float label, float weight)
    {
        foreach (var f in features) _features.Add(f);
        _labels.Add(label);
        _weights.Add(weight);
    }

    internal IEnumerable<GbmRegressor.FeatureRow> Rows()
    {
        for (var r = 0; r < Count; r++)
        {
            var features = new float[FeatureCount];
            for (var f = 0; f < FeatureCount; f++) features[f] = _features[r * FeatureCount + f];
            yield return new GbmRegressor.FeatureRow { Features = features, Label = _labels[r], Weight = _weights[r] };
        }
    }
}
