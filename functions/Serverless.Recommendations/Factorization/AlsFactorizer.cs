using System.Diagnostics;
using Serverless.Recommendations.Data;

namespace Serverless.Recommendations.Factorization;

/// <summary>Progress of one finished ALS iteration.</summary>
public sealed record AlsIterationInfo(int Iteration, int Iterations, double Seconds);

/// <summary>User and item factors (row-major, Factors floats per row).</summary>
public sealed record AlsFactors(int Factors, float[] UserFactors, float[] ItemFactors)
{
    public int Users => UserFactors.Length / Factors;
    public int Items => ItemFactors.Length / Factors;
}

/// <summary>
/// Alternating least squares on a user-by-item weight matrix: seeded initial factors, then per
/// iteration all users against fixed items and all items against fixed users, on a backend.
/// </summary>
public static class AlsFactorizer
{
    public static AlsFactors Factorize(CsrMatrix userItems, AlsOptions options, IAlsBackend backend,
        Action<AlsIterationInfo>? onIteration = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userItems);
        ArgumentNullException.ThrowIfNull(backend);
        options.Validate();

        var alpha = options.Alpha;
        var userWeights = InteractionWeighting.Apply(userItems, options.Weighting).WithValues(w => alpha * w);
        var itemWeights = userWeights.Transpose();
        var k = options.Factors;
        var users = InitialFactors(userItems.Rows, k, options, stream: 1);
        var items = InitialFactors(userItems.Columns, k, options, stream: 2);

        for (var iteration = 1; iteration <= options.Iterations; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var started = Stopwatch.GetTimestamp();
            backend.SolveSide(userWeights, items, users, options);
            backend.SolveSide(itemWeights, users, items, options);
            onIteration?.Invoke(new AlsIterationInfo(iteration, options.Iterations, Stopwatch.GetElapsedTime(started).TotalSeconds));
        }
        return new AlsFactors(k, users, items);
    }

    /// <summary>Seeded normal factors scaled by <see cref="AlsOptions.InitialScale"/>.</summary>
    public static float[] InitialFactors(int rows, int k, AlsOptions options, ulong stream)
    {
        var random = DeterministicRandom.ForStream(options.Seed, stream);
        var factors = new float[rows * k];
        for (var i = 0; i < factors.Length; i++) factors[i] = (float)(random.NextGaussian() * options.InitialScale);
        return factors;
    }
}
