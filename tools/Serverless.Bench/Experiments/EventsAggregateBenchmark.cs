using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Serverless.Bench.Harness;
using Serverless.Experiments.Aggregation;
using Serverless.Experiments.Assignment;
using Serverless.Experiments.Definitions;
using Serverless.Experiments.Events;

namespace Serverless.Bench.Experiments;

/// <summary>
/// Events aggregated per second from a JSONL file on one core (chunked read, parse, validate, exactly-once apply),
/// against the parse-only rate of the same file through the same line splitting and record reader.
/// </summary>
public sealed class EventsAggregateBenchmark : IBenchmark
{
    private const double GoalEventsPerSecond = 500_000;
    private const double GoalMaxSlowdown = 2.0;

    public string Name => "events-aggregate";

    public string Description => "JSONL events parsed, validated and aggregated per second on one core, vs parse-only of the same file";

    public Task<BenchmarkReport> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var usersPerExperiment = context.GetInt("users", 200_000);
        var repetitions = context.GetInt("repetitions", 5);
        var linesPerChunk = context.GetInt("chunk", 10_000);
        var seed = context.GetInt("seed", 7);

        var experiments = new[] { Definition("ranker-als", "als-v1", "als-v2", "als-v3"), Definition("search-rank", "bm25", "ltr-v1", "ltr-v2") };
        var catalog = new ExperimentCatalog(experiments);
        var path = Path.Combine(context.WorkDirectory, "events.jsonl");

        var generation = Stopwatch.StartNew();
        var generated = EventFileGenerator.Write(path, experiments, usersPerExperiment, seed);
        generation.Stop();
        var megabytes = new FileInfo(path).Length / (1024.0 * 1024);
        context.Progress($"generated {generated.Lines:N0} lines ({megabytes:N0} MiB, {generated.Invalid:N0} invalid) in {generation.Elapsed.TotalSeconds:N1} s");

        // One core: the figure is per core, and the other core of a shared machine stays out of it.
        using var pin = ProcessorPin.ToOneCore();

        var parseSeconds = new List<double>();
        var aggregateSeconds = new List<double>();
        var ratios = new List<double>();
        AggregateRun? last = null;
        for (var r = 0; r <= repetitions; r++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var parse = ParseOnly(path, catalog, linesPerChunk);
            var aggregate = Aggregate(path, catalog, experiments, linesPerChunk);
            if (parse.Objects != generated.Lines - generated.Malformed) throw new InvalidOperationException($"parse-only read {parse.Objects} objects, expected {generated.Lines - generated.Malformed}");
            if (aggregate.Applied != generated.Lines - generated.Invalid) throw new InvalidOperationException($"applied {aggregate.Applied} events, expected {generated.Lines - generated.Invalid}");
            // The first round warms the JIT and the page cache; it is not counted.
            if (r == 0) continue;
            parseSeconds.Add(parse.Seconds);
            aggregateSeconds.Add(aggregate.Seconds);
            // Both passes of a round run back to back, so their ratio is robust to load that changes between rounds.
            ratios.Add(aggregate.Seconds / parse.Seconds);
            last = aggregate;
            context.Progress($"round {r}: parse-only {generated.Lines / parse.Seconds:N0}/s, aggregate {generated.Lines / aggregate.Seconds:N0}/s " +
                $"(apply {aggregate.ApplySeconds / aggregate.Seconds:P0} of it), gen2 collections so far {GC.CollectionCount(2)}, GC pauses so far {GC.GetTotalPauseDuration().TotalSeconds:N2} s");
        }

        var parseRate = generated.Lines / Median(parseSeconds);
        var aggregateRate = generated.Lines / Median(aggregateSeconds);
        var slowdown = Median(ratios);
        var goalMet = aggregateRate >= GoalEventsPerSecond && slowdown <= GoalMaxSlowdown;

        var metrics = new List<BenchmarkMetric>
        {
            new("aggregate rate", aggregateRate, "events/s", $"median of {repetitions}; parse + validate + quarantine + batch hash + exactly-once apply"),
            new("parse-only rate", parseRate, "events/s", "same chunking and record reader, no validation or aggregation"),
            new("parse-only / aggregate", slowdown, "x", "median of the per-round ratios; goal <= 2"),
            new("aggregate throughput", megabytes / Median(aggregateSeconds), "MiB/s"),
            new("events in file", generated.Lines, "lines", $"{generated.Invalid:N0} invalid, quarantined"),
            new("file size", megabytes, "MiB"),
            new("distinct users", last!.DistinctUsers, "users", "over both experiments"),
            new("batches", last.Batches, "chunks", $"{linesPerChunk:N0} lines each"),
            new("file generation", generation.Elapsed.TotalSeconds, "s", "not measured in the rates"),
        };
        var parameters = new Dictionary<string, string>
        {
            ["users"] = usersPerExperiment.ToString(CultureInfo.InvariantCulture),
            ["experiments"] = "2 x 3 variants",
            ["repetitions"] = repetitions.ToString(CultureInfo.InvariantCulture),
            ["chunk"] = linesPerChunk.ToString(CultureInfo.InvariantCulture),
            ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
            ["cores"] = pin.Pinned ? "1 (affinity)" : "1 thread (affinity not available)",
        };
        return Task.FromResult(new BenchmarkReport(Name, metrics, parameters,
            Comparison: $"parse-only {parseRate:N0} events/s vs full aggregation {aggregateRate:N0} events/s ({slowdown:N2}x)",
            GoalMet: goalMet,
            GoalText: $">= {GoalEventsPerSecond:N0} events/s aggregated on one core, within {GoalMaxSlowdown:N0}x of parse-only"));
    }

    private static (long Objects, double Seconds) ParseOnly(string path, ExperimentCatalog catalog, int linesPerChunk)
    {
        using var parser = new EventBatchParser(catalog);
        var watch = Stopwatch.StartNew();
        long objects = 0;
        using (var stream = OpenRead(path))
        {
            foreach (var chunk in JsonLinesChunker.Read(stream, linesPerChunk)) objects += parser.ReadJsonLinesOnly(chunk.Utf8.Span);
        }
        return (objects, watch.Elapsed.TotalSeconds);
    }

    private sealed record AggregateRun(long Applied, double Seconds, double ApplySeconds, long DistinctUsers, int Batches);

    private static AggregateRun Aggregate(string path, ExperimentCatalog catalog, IReadOnlyList<ExperimentDefinition> experiments, int linesPerChunk)
    {
        using var parser = new EventBatchParser(catalog);
        var aggregates = experiments.ToDictionary(e => e.Id, e => ExperimentAggregate.Create(e));
        var name = Path.GetFileName(path);
        var watch = Stopwatch.StartNew();
        var applyTicks = 0L;
        long applied = 0;
        var batches = 0;
        using (var stream = OpenRead(path))
        {
            foreach (var chunk in JsonLinesChunker.Read(stream, linesPerChunk))
            {
                using var batch = parser.ParseJsonLines(chunk.Utf8.Span, name, chunk.FirstLineNumber);
                var applyStart = Stopwatch.GetTimestamp();
                foreach (var experimentId in batch.ExperimentIds) applied += aggregates[experimentId].Apply(batch).EventsApplied;
                applyTicks += Stopwatch.GetTimestamp() - applyStart;
                batches++;
            }
        }
        var seconds = watch.Elapsed.TotalSeconds;
        return new AggregateRun(applied, seconds, (double)applyTicks / Stopwatch.Frequency, aggregates.Values.Sum(a => (long)a.DistinctUsers), batches);
    }

    private static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static ExperimentDefinition Definition(string id, params string[] variants) => ExperimentDefinition.Create(
        id,
        variants.Select(v => new VariantDefinition(v, new Dictionary<string, string> { ["model"] = v }, 1.0 / variants.Length)).ToList(),
        variants[0],
        start: EventFileGenerator.Start.AddDays(-1),
        stop: EventFileGenerator.Start.AddDays(30));
}

/// <summary>
/// Writes a realistic event stream: each user is assigned by the production assigner, sees 1-12 exposures, clicks
/// on some, converts at a few per cent with a basket value; users' events interleave in time. One line in 2,000 is
/// invalid (unknown type or broken JSON), as real feeds are.
/// </summary>
internal static class EventFileGenerator
{
    public static readonly DateTimeOffset Start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    public sealed record Generated(long Lines, long Invalid, long Malformed);

    public static Generated Write(string path, IReadOnlyList<ExperimentDefinition> experiments, int usersPerExperiment, int seed)
    {
        var random = new Random(seed);
        var userCount = experiments.Count * usersPerExperiment;
        var eventsPerUser = new byte[userCount];
        long total = 0;
        for (var u = 0; u < userCount; u++)
        {
            eventsPerUser[u] = (byte)(1 + random.Next(12));
            total += eventsPerUser[u];
        }

        // Interleave users: one slot per event, shuffled, so consecutive events come from different users.
        var slots = new int[total];
        long k = 0;
        for (var u = 0; u < userCount; u++)
        {
            for (var e = 0; e < eventsPerUser[u]; e++) slots[k++] = u;
        }
        random.Shuffle(slots);

        var variantOf = new string[userCount];
        var userIds = new string[userCount];
        for (var u = 0; u < userCount; u++)
        {
            var experiment = experiments[u % experiments.Count];
            userIds[u] = $"u{u / experiments.Count:D7}";
            variantOf[u] = VariantAssigner.Assign(experiment, userIds[u], experiment.InitialWeights, null, Start).VariantId;
        }

        var seen = new byte[userCount];
        long invalid = 0, malformed = 0;
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        using var writer = new Utf8JsonWriter(file, new JsonWriterOptions { SkipValidation = true });
        Span<byte> newline = [(byte)'\n'];
        for (long i = 0; i < total; i++)
        {
            var u = slots[i];
            var experiment = experiments[u % experiments.Count];
            var at = Start.AddMilliseconds(i * 250);
            if (i % 2000 == 1999)
            {
                invalid++;
                if (i % 4000 == 3999)
                {
                    malformed++;
                    writer.Flush();
                    file.Write("{\"eventId\":\"broken\",\"experiment\":"u8);
                    file.Write(newline);
                    continue;
                }
            }
            var first = seen[u]++ == 0;
            var roll = random.NextDouble();
            var type = i % 2000 == 1999 ? "purchase"
                : first || roll < 0.70 ? "exposure"
                : roll < 0.95 ? "click"
                : "conversion";

            writer.WriteStartObject();
            writer.WriteString("eventId", $"{i:x12}");
            writer.WriteString("experiment", experiment.Id);
            writer.WriteString("variant", variantOf[u]);
            writer.WriteString("user", userIds[u]);
            writer.WriteString("type", type);
            if (type == "conversion") writer.WriteNumber("value", Math.Round(5 + random.NextDouble() * 120, 2));
            writer.WriteString("timestamp", at);
            writer.WriteEndObject();
            writer.Flush();
            writer.Reset();
            file.Write(newline);
        }
        return new Generated(total, invalid, malformed);
    }
}

/// <summary>Pins the process to one core for the measurement and restores the previous affinity afterwards.</summary>
internal sealed class ProcessorPin : IDisposable
{
    private readonly nint _previous;

    private ProcessorPin(nint previous, bool pinned)
    {
        _previous = previous;
        Pinned = pinned;
    }

    public bool Pinned { get; }

    public static ProcessorPin ToOneCore()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsWindows()) return new ProcessorPin(0, false);
        try
        {
            using var process = Process.GetCurrentProcess();
            var previous = process.ProcessorAffinity;
            var lowest = (nint)((long)previous & -(long)previous);
            process.ProcessorAffinity = lowest;
            return new ProcessorPin(previous, true);
        }
        catch (Exception ex) when (ex is PlatformNotSupportedException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return new ProcessorPin(0, false);
        }
    }

    public void Dispose()
    {
        if (!Pinned || (!OperatingSystem.IsLinux() && !OperatingSystem.IsWindows())) return;
        using var process = Process.GetCurrentProcess();
        process.ProcessorAffinity = _previous;
    }
}
