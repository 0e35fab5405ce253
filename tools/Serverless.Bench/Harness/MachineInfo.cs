using System.Runtime.InteropServices;

namespace Serverless.Bench.Harness;

/// <summary>Describes the machine a figure was measured on, so a figure always travels with it.</summary>
public sealed record MachineInfo(string Cpu, int Cores, string Os, string Runtime, double MemoryGiB)
{
    public static MachineInfo Current()
    {
        var cpu = "unknown CPU";
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line is not null) cpu = line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }

        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        return new MachineInfo(cpu, Environment.ProcessorCount, RuntimeInformation.OSDescription,
            RuntimeInformation.FrameworkDescription, Math.Round(memory, 1));
    }

    public override string ToString() => $"{Cores} cores ({Cpu}), {MemoryGiB} GiB, {Os}, {Runtime}";
}
