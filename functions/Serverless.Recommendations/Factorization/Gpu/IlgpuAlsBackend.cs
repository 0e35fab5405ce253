using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using Serverless.Recommendations.Data;

namespace Serverless.Recommendations.Factorization.Gpu;

/// <summary>
/// Runs the ALS half-iteration as ILGPU kernels on an accelerator: a GPU (CUDA or OpenCL) when
/// present, or ILGPU's CPU accelerator (which emulates GPU threads; for checking the kernels, not
/// for speed). Not thread-safe: one training at a time per instance.
/// </summary>
public sealed class IlgpuAlsBackend : IAlsBackend
{
    private readonly Context _context;
    private readonly Accelerator _accelerator;
    private readonly Action<Index1D, ArrayView<float>, int, int, float, ArrayView<float>> _gramKernel;
    private readonly Action<Index1D, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> _cgKernel;

    // The two sides' sparse matrices stay on the device across iterations.
    private readonly List<(CsrMatrix Matrix, DeviceCsr Device)> _matrices = [];

    private IlgpuAlsBackend(Context context, Accelerator accelerator)
    {
        _context = context;
        _accelerator = accelerator;
        _gramKernel = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int, int, float, ArrayView<float>>(AlsKernels.Gram);
        _cgKernel = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, int, int>(AlsKernels.ConjugateGradientRow);
    }

    public string Name => "ilgpu-" + _accelerator.AcceleratorType.ToString().ToLowerInvariant();

    /// <summary>The kernels on ILGPU's CPU accelerator (always available).</summary>
    public static IlgpuAlsBackend CreateOnCpuAccelerator()
    {
        var context = Context.Create(builder => builder.CPU());
        try
        {
            return new IlgpuAlsBackend(context, context.CreateCPUAccelerator(0));
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>The kernels on the first CUDA or OpenCL GPU, or null when the machine has none.</summary>
    public static IlgpuAlsBackend? TryCreateOnGpu()
    {
        Context context;
        try
        {
            context = Context.Create(builder => builder.Cuda().OpenCL());
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or NotSupportedException or InvalidOperationException)
        {
            return null; // No GPU driver libraries on this machine.
        }

        var device = context.Devices.FirstOrDefault(d => d.AcceleratorType is AcceleratorType.Cuda or AcceleratorType.OpenCL);
        if (device is null)
        {
            context.Dispose();
            return null;
        }
        try
        {
            return new IlgpuAlsBackend(context, device.CreateAccelerator(context));
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    public void SolveSide(CsrMatrix scaledWeights, float[] fixedFactors, float[] solved, AlsOptions options)
    {
        var k = options.Factors;
        AlsShapes.Check(scaledWeights, fixedFactors, solved, k);
        var matrix = Upload(scaledWeights);

        using var fixedBuffer = _accelerator.Allocate1D(fixedFactors);
        using var gram = _accelerator.Allocate1D<float>(k * k);
        using var solvedBuffer = _accelerator.Allocate1D(solved);
        using var scratch = _accelerator.Allocate1D<float>(Math.Max(1, scaledWeights.Rows * 3 * k));

        _gramKernel(k * k, fixedBuffer.View, scaledWeights.Columns, k, options.Regularization, gram.View);
        if (scaledWeights.Rows > 0)
        {
            _cgKernel(scaledWeights.Rows, matrix.RowPointers.View, matrix.Columns.View, matrix.Values.View,
                fixedBuffer.View, gram.View, solvedBuffer.View, scratch.View, k, options.CgSteps);
        }
        _accelerator.Synchronize();
        solvedBuffer.CopyToCPU(solved);
    }

    public void Dispose()
    {
        foreach (var (_, device) in _matrices) device.Dispose();
        _matrices.Clear();
        _accelerator.Dispose();
        _context.Dispose();
    }

    private DeviceCsr Upload(CsrMatrix matrix)
    {
        foreach (var (m, device) in _matrices)
        {
            if (ReferenceEquals(m, matrix)) return device;
        }
        if (_matrices.Count == 2)
        {
            _matrices[0].Device.Dispose();
            _matrices.RemoveAt(0);
        }
        var uploaded = new DeviceCsr(
            _accelerator.Allocate1D(matrix.RowPointers),
            _accelerator.Allocate1D(matrix.ColumnIndices.Length == 0 ? [0] : matrix.ColumnIndices),
            _accelerator.Allocate1D(matrix.Values.Length == 0 ? [0f] : matrix.Values));
        _matrices.Add((matrix, uploaded));
        return uploaded;
    }

    private sealed record DeviceCsr(MemoryBuffer1D<int, Stride1D.Dense> RowPointers, MemoryBuffer1D<int, Stride1D.Dense> Columns,
        MemoryBuffer1D<float, Stride1D.Dense> Values) : IDisposable
    {
        public void Dispose()
        {
            RowPointers.Dispose();
            Columns.Dispose();
            Values.Dispose();
        }
    }
}
