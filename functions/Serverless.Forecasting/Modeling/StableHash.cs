namespace Serverless.Forecasting.Modeling;

/// <summary>
/// A hash that is the same in every process (string.GetHashCode is randomised per process), for
/// the deterministic choices of training: sampling rows and assigning horizons.
/// </summary>
internal static class StableHash
{
    public static ulong Of(string text, ulong seed = 14695981039346656037UL)
    {
        var hash = seed;
        foreach (var c in text)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }
        return Mix(hash);
    }

    public static ulong Combine(ulong a, long b) => Mix(a ^ ((ulong)b * 0x9E3779B97F4A7C15UL));

    /// <summary>Uniform in [0, 1).</summary>
    public static double Unit(ulong hash) => (hash >> 11) * (1.0 / (1UL << 53));

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
