namespace Serverless.Forecasting.Synthetic;

/// <summary>
/// xoshiro256** with the samplers the generator needs. Our own so that a seed gives the same data
/// on every runtime version, and so each series can own an independent, cheaply seeded stream.
/// </summary>
internal struct Prng
{
    private ulong _s0, _s1, _s2, _s3;

    public Prng(ulong seed)
    {
        _s0 = SplitMix(ref seed);
        _s1 = SplitMix(ref seed);
        _s2 = SplitMix(ref seed);
        _s3 = SplitMix(ref seed);
    }

    /// <summary>A stream derived from a seed and up to three keys (for example store and item).</summary>
    public static Prng For(int seed, int a, int b = 0, int c = 0) =>
        new(Mix((ulong)(uint)seed, Mix((ulong)(uint)a, Mix((ulong)(uint)b, (ulong)(uint)c))));

    /// <summary>A stateless uniform in [0, 1) from a seed and keys; for decisions that must not depend on call order.</summary>
    public static double Hash01(int seed, int a, int b = 0, int c = 0) =>
        (Mix((ulong)(uint)seed, Mix((ulong)(uint)a, Mix((ulong)(uint)b, (ulong)(uint)c))) >> 11) * (1.0 / (1UL << 53));

    public ulong NextUInt64()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public int NextInt(int maxExclusive) => (int)(NextDouble() * maxExclusive);

    public double NextNormal()
    {
        // Box-Muller; the second value is dropped to keep the state simple.
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Gamma(shape, 1) by Marsaglia and Tsang.</summary>
    public double NextGamma(double shape)
    {
        if (shape < 1.0)
        {
            return NextGamma(shape + 1.0) * Math.Pow(NextDouble() + 1e-300, 1.0 / shape);
        }
        var d = shape - 1.0 / 3.0;
        var c = 1.0 / Math.Sqrt(9.0 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = NextNormal();
                v = 1.0 + c * x;
            } while (v <= 0);
            v = v * v * v;
            var u = NextDouble();
            if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
            if (Math.Log(u) < 0.5 * x * x + d * (1.0 - v + Math.Log(v))) return d * v;
        }
    }

    /// <summary>Poisson(lambda): inversion for small means, PTRS (Hoermann 1993) above 10.</summary>
    public int NextPoisson(double lambda)
    {
        if (lambda <= 0) return 0;
        if (lambda < 10)
        {
            var limit = Math.Exp(-lambda);
            var product = NextDouble();
            var k = 0;
            while (product > limit)
            {
                k++;
                product *= NextDouble();
            }
            return k;
        }
        var slam = Math.Sqrt(lambda);
        var loglam = Math.Log(lambda);
        var b = 0.931 + 2.53 * slam;
        var a = -0.059 + 0.02483 * b;
        var invalpha = 1.1239 + 1.1328 / (b - 3.4);
        var vr = 0.9277 - 3.6224 / (b - 2);
        while (true)
        {
            var u = NextDouble() - 0.5;
            var v = NextDouble();
            var us = 0.5 - Math.Abs(u);
            var k = Math.Floor((2 * a / us + b) * u + lambda + 0.43);
            if (us >= 0.07 && v <= vr) return (int)k;
            if (k < 0 || (us < 0.013 && v > us)) continue;
            if (Math.Log(v) + Math.Log(invalpha) - Math.Log(a / (us * us) + b)
                <= -lambda + k * loglam - LogFactorial(k))
            {
                return (int)k;
            }
        }
    }

    /// <summary>Negative binomial as a Poisson-gamma mixture: mean <paramref name="mean"/>, variance mean + mean^2/shape.</summary>
    public int NextNegativeBinomial(double mean, double shape) =>
        mean <= 0 ? 0 : NextPoisson(mean * NextGamma(shape) / shape);

    private static double LogFactorial(double k) =>
        k < 2 ? 0 : (k + 0.5) * Math.Log(k + 1) - (k + 1) + 0.5 * Math.Log(2 * Math.PI) + 1.0 / (12 * (k + 1));

    private static ulong SplitMix(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong Mix(ulong a, ulong b)
    {
        var x = a * 0x9E3779B97F4A7C15UL ^ b;
        return SplitMix(ref x);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
