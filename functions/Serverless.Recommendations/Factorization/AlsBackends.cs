using Serverless.Recommendations.Factorization.Cpu;
using Serverless.Recommendations.Factorization.Gpu;

namespace Serverless.Recommendations.Factorization;

/// <summary>Picks the ALS backend for this machine: ILGPU on a GPU when one is present, else SIMD on all cores.</summary>
public static class AlsBackends
{
    public static IAlsBackend CreateDefault(int maxDegreeOfParallelism = -1) =>
        (IAlsBackend?)IlgpuAlsBackend.TryCreateOnGpu() ?? new CpuAlsBackend(maxDegreeOfParallelism);
}
