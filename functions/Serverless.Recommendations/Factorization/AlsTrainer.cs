using System.Diagnostics;
using Serverless.Recommendations.Data;
using Serverless.Recommendations.Publishing;

namespace Serverless.Recommendations.Factorization;

/// <summary>A trained model and its manifest.</summary>
public sealed record AlsTrainingResult(AlsModel Model, ModelManifest Manifest);

/// <summary>The "train ALS" step: one call from a dataset to a model with its manifest.</summary>
public static class AlsTrainer
{
    /// <param name="backend">Where to run; null picks <see cref="AlsBackends.CreateDefault"/> (and disposes it).</param>
    public static AlsTrainingResult Train(InteractionDataset data, AlsOptions? options = null, IAlsBackend? backend = null,
        Action<AlsIterationInfo>? onIteration = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= AlsOptions.Default;
        options.Validate();
        var ownsBackend = backend is null;
        backend ??= AlsBackends.CreateDefault();
        try
        {
            var started = Stopwatch.GetTimestamp();
            var matrix = data.ToUserItemMatrix();
            var buildSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

            started = Stopwatch.GetTimestamp();
            var factors = AlsFactorizer.Factorize(matrix, options, backend, onIteration, cancellationToken);
            var factorizeSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

            var model = new AlsModel(options, data.Hash, data.Users, data.Items, factors, matrix);
            var manifest = new ModelManifest
            {
                ModelVersion = model.Version,
                Parameters = options,
                DataHash = data.Hash,
                DataEndUtc = data.DataEndUtc,
                CodeVersion = CodeVersion.Current,
                Backend = backend.Name,
                Users = data.Users.Count,
                Items = data.Items.Count,
                Interactions = data.Count,
                TimingsSeconds = new Dictionary<string, double>
                {
                    ["build-matrix"] = buildSeconds,
                    ["factorize"] = factorizeSeconds,
                    ["per-iteration"] = options.Iterations == 0 ? 0 : factorizeSeconds / options.Iterations,
                },
            };
            return new AlsTrainingResult(model, manifest);
        }
        finally
        {
            if (ownsBackend) backend.Dispose();
        }
    }
}
