using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.Factorization.Cpu;
using Serverless.Recommendations.Factorization.Gpu;

namespace Serverless.Recommendations.Tests;

public class IlgpuBackendTests
{
    [Fact]
    public void Ilgpu_kernels_on_the_cpu_accelerator_agree_with_the_simd_backend()
    {
        var matrix = TestData.RandomMatrix(rows: 30, columns: 24, density: 0.25, seed: 21);
        var options = new AlsOptions { Factors = 8, Iterations = 4, Regularization = 2f, Alpha = 2f };

        using var ilgpu = IlgpuAlsBackend.CreateOnCpuAccelerator();
        using var cpu = new CpuAlsBackend();
        var gpuFactors = AlsFactorizer.Factorize(matrix, options, ilgpu);
        var cpuFactors = AlsFactorizer.Factorize(matrix, options, cpu);

        Assert.Equal("ilgpu-cpu", ilgpu.Name);
        AssertClose(cpuFactors.UserFactors, gpuFactors.UserFactors);
        AssertClose(cpuFactors.ItemFactors, gpuFactors.ItemFactors);
    }

    [Fact]
    public void Ilgpu_and_cpu_agree_on_a_side_with_empty_rows()
    {
        var matrix = TestData.RandomMatrix(rows: 10, columns: 6, density: 0.15, seed: 4);
        Assert.Contains(Enumerable.Range(0, matrix.Rows), r => matrix.RowLength(r) == 0);
        var options = new AlsOptions { Factors = 4, Regularization = 1f, CgSteps = 4 };
        var y = AlsFactorizer.InitialFactors(matrix.Columns, 4, options with { InitialScale = 0.5f }, 3);
        var viaGpu = AlsFactorizer.InitialFactors(matrix.Rows, 4, options, 4);
        var viaCpu = (float[])viaGpu.Clone();

        using (var ilgpu = IlgpuAlsBackend.CreateOnCpuAccelerator()) ilgpu.SolveSide(matrix, y, viaGpu, options);
        using (var cpu = new CpuAlsBackend()) cpu.SolveSide(matrix, y, viaCpu, options);

        AssertClose(viaCpu, viaGpu);
    }

    [Fact]
    public void The_default_backend_is_the_simd_cpu_backend_when_no_gpu_is_present()
    {
        using var gpu = IlgpuAlsBackend.TryCreateOnGpu();
        using var chosen = AlsBackends.CreateDefault();
        Assert.Equal(gpu is null ? "cpu-simd" : gpu.Name, chosen.Name);
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var scale = expected.Max(Math.Abs);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4f * Math.Max(1f, scale),
                $"factor {i}: cpu {expected[i]} vs ilgpu {actual[i]}");
        }
    }
}
