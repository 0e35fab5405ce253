using System.Diagnostics;
using System.Globalization;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Serverless.Bench.Harness;
using Serverless.Durable.Embedded;

namespace Serverless.Bench.Engine;

/// <summary>
/// What tracing costs the engine: the durable fan-out of <see cref="EngineFanOutBenchmark"/> with no listener, and
/// with the OpenTelemetry SDK taking every span (batch processor with a queue large enough to drop none, an exporter
/// that only counts) and every metric, in
/// alternating runs of the same process.
/// </summary>
public sealed class EngineTracingOverheadBenchmark : IBenchmark
{
    public string Name => "engine-fanout-tracing";

    public string Description => "The durable fan-out (default 10,000 activities) with tracing and metrics off and on, alternating in one run.";

    public async Task<BenchmarkReport> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var activities = context.GetInt("activities", 10_000);
        var pairs = context.GetInt("pairs", 9);

        context.Progress("warm-up");
        await EngineScenarios.FanOutAsync(context.WorkDirectory, inMemory: false, 500);
        await TracedAsync(context.WorkDirectory, 500);

        // Wall time suffers from whatever else the machine runs; the process's CPU time much less, and each pair's
        // ratio compares two runs taken seconds apart. All three are reported; the goal is judged on the paired ratio.
        var off = new List<double>();
        var on = new List<double>();
        var offCpu = new List<double>();
        var onCpu = new List<double>();
        var ratios = new List<double>();
        long spans = 0;
        for (var i = 0; i < pairs; i++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            off.Add((await EngineScenarios.FanOutAsync(context.WorkDirectory, inMemory: false, activities)).TotalSeconds);
            offCpu.Add((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
            cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var (elapsed, exported) = await TracedAsync(context.WorkDirectory, activities);
            on.Add(elapsed.TotalSeconds);
            onCpu.Add((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
            ratios.Add(on[^1] / off[^1]);
            spans = exported;
            context.Progress($"pair {i + 1}: off {off[^1]:F2} s ({offCpu[^1]:F2} s CPU), on {on[^1]:F2} s ({onCpu[^1]:F2} s CPU), {exported:N0} spans");
        }

        var offSeconds = EngineFanOutBenchmark.Median(off);
        var onSeconds = EngineFanOutBenchmark.Median(on);
        var overhead = EngineFanOutBenchmark.Median(ratios) - 1;
        var cpuOverhead = EngineFanOutBenchmark.Median(onCpu) / EngineFanOutBenchmark.Median(offCpu) - 1;
        return new BenchmarkReport(Name,
            [
                new BenchmarkMetric("wall time, tracing off (median)", offSeconds, "s"),
                new BenchmarkMetric("wall time, tracing and metrics on (median)", onSeconds, "s"),
                new BenchmarkMetric("activities/s, tracing off", activities / offSeconds, "activities/s"),
                new BenchmarkMetric("activities/s, tracing on", activities / onSeconds, "activities/s"),
                new BenchmarkMetric("spans per run", spans, "spans", "one per activity and episode, and the root"),
                new BenchmarkMetric("CPU time, tracing off (median)", EngineFanOutBenchmark.Median(offCpu), "s"),
                new BenchmarkMetric("CPU time, tracing and metrics on (median)", EngineFanOutBenchmark.Median(onCpu), "s"),
                new BenchmarkMetric("overhead, wall time", overhead * 100, "%", "median of each pair's on / off, minus 1"),
                new BenchmarkMetric("overhead, CPU time", cpuOverhead * 100, "%", "median CPU on / median CPU off, minus 1"),
            ],
            new Dictionary<string, string>
            {
                ["activities"] = activities.ToString(CultureInfo.InvariantCulture),
                ["pairs"] = pairs.ToString(CultureInfo.InvariantCulture),
                ["runs off"] = string.Join(", ", off.Select(s => s.ToString("F2", CultureInfo.InvariantCulture))),
                ["runs on"] = string.Join(", ", on.Select(s => s.ToString("F2", CultureInfo.InvariantCulture))),
            },
            Comparison: $"same process, alternating: {offSeconds:F2} s without a listener against {onSeconds:F2} s with the SDK taking every span and metric (medians)",
            GoalMet: overhead < 0.10,
            GoalText: "tracing on less than 10% slower");
    }

    private static async Task<(TimeSpan Elapsed, long Spans)> TracedAsync(string folder, int activities)
    {
        var exporter = new CountingExporter();
        using (var tracing = Sdk.CreateTracerProviderBuilder()
                   .AddSource(EmbeddedEngineTelemetry.SourceName)
                   .AddProcessor(new BatchActivityExportProcessor(exporter, maxQueueSize: 65_536))
                   .Build())
        using (Sdk.CreateMeterProviderBuilder().AddMeter(EmbeddedEngineTelemetry.MeterName).Build())
        {
            var elapsed = await EngineScenarios.FanOutAsync(folder, inMemory: false, activities);
            tracing.ForceFlush();
            return (elapsed, exporter.Count);
        }
    }

    /// <summary>Takes batches as a network exporter would, and only counts them: the SDK's cost without the network's.</summary>
    private sealed class CountingExporter : BaseExporter<Activity>
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public override ExportResult Export(in Batch<Activity> batch)
        {
            Interlocked.Add(ref _count, batch.Count);
            return ExportResult.Success;
        }
    }
}
