using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Serverless.Recommendations.Factorization.Cpu;

/// <summary>The two vector kernels the solver needs; a type parameter picks SIMD or scalar code at JIT time.</summary>
internal interface IVectorOps
{
    static abstract float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y);

    /// <summary>target += scale * x.</summary>
    static abstract void AddScaled(Span<float> target, ReadOnlySpan<float> x, float scale);
}

/// <summary>
/// SIMD kernels. Factor rows are short (tens of floats) and called millions of times, so lengths that
/// are a multiple of the vector width take an inlined loop of fused multiply-adds; other lengths go
/// to System.Numerics.Tensors. The path depends only on the length and the CPU, so results are
/// the same bits on every run on a machine.
/// </summary>
internal readonly struct SimdVectorOps : IVectorOps
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        if (x.Length != y.Length) throw new ArgumentException("Vectors differ in length.");
        ref var a = ref MemoryMarshal.GetReference(x);
        ref var b = ref MemoryMarshal.GetReference(y);
        var n = (nuint)x.Length;
        if (Vector512.IsHardwareAccelerated && n % 16 == 0 && n > 0)
        {
            var sum = Vector512<float>.Zero;
            for (nuint i = 0; i < n; i += 16)
            {
                sum = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref a, i), Vector512.LoadUnsafe(ref b, i), sum);
            }
            return Vector512.Sum(sum);
        }
        if (Vector256.IsHardwareAccelerated && n % 8 == 0 && n > 0)
        {
            var sum = Vector256<float>.Zero;
            for (nuint i = 0; i < n; i += 8)
            {
                sum = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a, i), Vector256.LoadUnsafe(ref b, i), sum);
            }
            return Vector256.Sum(sum);
        }
        return TensorPrimitives.Dot(x, y);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddScaled(Span<float> target, ReadOnlySpan<float> x, float scale)
    {
        if (x.Length != target.Length) throw new ArgumentException("Vectors differ in length.");
        ref var t = ref MemoryMarshal.GetReference(target);
        ref var a = ref MemoryMarshal.GetReference(x);
        var n = (nuint)x.Length;
        if (Vector512.IsHardwareAccelerated && n % 16 == 0)
        {
            var s = Vector512.Create(scale);
            for (nuint i = 0; i < n; i += 16)
            {
                Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref a, i), s, Vector512.LoadUnsafe(ref t, i)).StoreUnsafe(ref t, i);
            }
            return;
        }
        if (Vector256.IsHardwareAccelerated && n % 8 == 0)
        {
            var s = Vector256.Create(scale);
            for (nuint i = 0; i < n; i += 8)
            {
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a, i), s, Vector256.LoadUnsafe(ref t, i)).StoreUnsafe(ref t, i);
            }
            return;
        }
        TensorPrimitives.MultiplyAdd(x, scale, target, target);
    }
}

/// <summary>Plain loops: the same arithmetic without SIMD, the benchmark's comparison.</summary>
internal readonly struct ScalarVectorOps : IVectorOps
{
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        var sum = 0f;
        for (var i = 0; i < x.Length; i++) sum += x[i] * y[i];
        return sum;
    }

    public static void AddScaled(Span<float> target, ReadOnlySpan<float> x, float scale)
    {
        for (var i = 0; i < x.Length; i++) target[i] += scale * x[i];
    }
}
