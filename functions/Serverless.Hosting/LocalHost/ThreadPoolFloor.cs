using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Serverless.Hosting.LocalHost;

/// <summary>
/// The host's floor of thread-pool worker threads (<see cref="Setting"/>, default <see cref="DefaultWorkerThreads"/>).
/// SQLite (the engine and the document store) and file blobs block the thread that calls them, even through their
/// async methods. Under a flood of event batches those calls hold every pool thread, and the pool adds threads only
/// slowly (about one per 0.5 s once starved), so a <c>GET</c> waits behind them: measured in <c>events-host</c>, GET p99
/// during the load fell from about 190 ms to about 15 ms with a floor of 16, at the same events/s. The floor only ever
/// raises the runtime's own minimum.
/// </summary>
public static class ThreadPoolFloor
{
    public const string Setting = "Serverless:Host:MinWorkerThreads";
    public const int DefaultWorkerThreads = 16;
    private const int MaxWorkerThreads = 1024;

    /// <summary>The configured floor, or a clear error naming the setting.</summary>
    public static int Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var text = configuration[Setting];
        if (string.IsNullOrWhiteSpace(text)) return DefaultWorkerThreads;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value is < 1 or > MaxWorkerThreads)
        {
            throw new InvalidOperationException($"{Setting}: '{text}' is not a whole number from 1 to {MaxWorkerThreads}.");
        }
        return value;
    }

    /// <summary>Raises the pool's minimum of worker threads to the configured floor; never lowers it. Returns the minimum in force.</summary>
    public static int Apply(IConfiguration configuration)
    {
        var floor = Read(configuration);
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        if (workers >= floor) return workers;
        ThreadPool.SetMinThreads(floor, completionPorts);
        return floor;
    }
}
