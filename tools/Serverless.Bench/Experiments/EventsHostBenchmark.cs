using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Serverless.Bench.Harness;
using Serverless.Testing;

namespace Serverless.Bench.Experiments;

/// <summary>
/// Experiment events end to end through the host, as producers send them: <c>serverless host</c> runs as its own process
/// (embedded engine, file blobs, SQLite documents, the built-in sample experiments) and N clients POST JSON-lines batches
/// to <c>/api/events</c> for a fixed time, while another client reads <c>GET /api/workflows</c>. Then the clients stop and
/// the benchmark waits until every acknowledged event is applied. Reported: events applied per second (over the load plus
/// the time to catch up), the lag from acknowledgement to applied (p50, p99, max; measured by the host per batch part),
/// GET latency during the load, the host's peak RSS, and 429 answers. Two runs: 16 clients × 1,000-event batches, and one
/// client × 10-event batches (small batches: per-request costs dominate).
/// </summary>
public sealed class EventsHostBenchmark : IBenchmark
{
    private const string Key = "bench-key-0123456789abcdef";

    public string Name => "events-host";

    public string Description => "POST /api/events through `serverless host`: applied events/s, ack->applied lag, GET p99 under load, peak RSS (16x1000 and 1x10)";

    public async Task<BenchmarkReport> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var seconds = context.GetInt("seconds", 60);
        var clients = context.GetInt("clients", 16);
        var batch = context.GetInt("batch", 1000);
        var smallBatch = context.GetInt("small-batch", 10);
        var users = context.GetInt("users", 200_000);
        var dedupeMax = context.GetString("dedupe-max", "");
        var minWorkerThreads = context.GetString("min-worker-threads", "");
        // Host settings the run may change: the dedupe cap, and the thread-pool floor (1 leaves the runtime's own).
        var hostSettings = new Dictionary<string, string>();
        if (dedupeMax.Length > 0) hostSettings["Serverless__Experiments__DedupeMaxEntries"] = dedupeMax;
        if (minWorkerThreads.Length > 0) hostSettings["Serverless__Host__MinWorkerThreads"] = minWorkerThreads;

        var large = await RunScenarioAsync(context, $"{clients} clients x {batch}", clients, batch, seconds, users, hostSettings, cancellationToken);
        // small-batch=0 leaves the small-batch run out.
        var small = smallBatch > 0 ? await RunScenarioAsync(context, $"1 client x {smallBatch}", 1, smallBatch, seconds, users, hostSettings, cancellationToken) : null;

        var metrics = new List<BenchmarkMetric>();
        foreach (var run in small is null ? [large] : new[] { large, small })
        {
            metrics.Add(new($"{run.Label}: applied", run.AppliedPerSecond, "events/s", $"{run.Applied:N0} events in {run.AppliedSeconds:0.0} s (load {seconds} s, then catching up {run.CatchUpSeconds:0.0} s)"));
            metrics.Add(new($"{run.Label}: acknowledged", run.AcknowledgedPerSecond, "events/s", $"{run.Requests:N0} requests, {run.Refused:N0} answered 429"));
            metrics.Add(new($"{run.Label}: ack->applied lag p50", run.LagP50Ms, "ms"));
            metrics.Add(new($"{run.Label}: ack->applied lag p99", run.LagP99Ms, "ms"));
            metrics.Add(new($"{run.Label}: ack->applied lag max", run.LagMaxMs, "ms"));
            metrics.Add(new($"{run.Label}: GET /api/workflows p50", run.GetP50Ms, "ms", $"{run.Gets:N0} GETs during the load"));
            metrics.Add(new($"{run.Label}: GET /api/workflows p99", run.GetP99Ms, "ms"));
            metrics.Add(new($"{run.Label}: host peak RSS", run.PeakRssMiB, "MiB", $"RSS every 10 s: {string.Join(", ", run.RssTimeline.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))} MiB; after {run.EndRssMiB:N0}"));
            metrics.Add(new($"{run.Label}: host CPU per event", run.CpuMicrosecondsPerEvent, "µs", $"{run.CpuSeconds:N1} CPU-s over load and catch-up: {1e6 / run.CpuMicrosecondsPerEvent * 2:N0} events/s if the host had both cores to itself"));
            metrics.Add(new($"{run.Label}: apply rounds", run.Rounds, "rounds", $"{run.Applied / Math.Max(1, run.Rounds):N0} events per round on average"));
        }
        var goal = large.AppliedPerSecond >= 200_000 && large.LagMaxMs <= 10_000 && large.GetP99Ms < 100;
        var parameters = new Dictionary<string, string>
        {
            ["seconds"] = seconds.ToString(CultureInfo.InvariantCulture),
            ["clients"] = clients.ToString(CultureInfo.InvariantCulture),
            ["batch"] = batch.ToString(CultureInfo.InvariantCulture),
            ["small-batch"] = smallBatch.ToString(CultureInfo.InvariantCulture),
            ["users"] = users.ToString(CultureInfo.InvariantCulture),
            ["dedupe-max"] = dedupeMax.Length == 0 ? "default" : dedupeMax,
            ["min-worker-threads"] = minWorkerThreads.Length == 0 ? "default" : minWorkerThreads,
        };
        return new BenchmarkReport(Name, metrics, parameters,
            Comparison: small is null ? null : $"same run: {large.Label} {large.AppliedPerSecond:N0} events/s applied vs {small.Label} {small.AppliedPerSecond:N0} events/s",
            GoalMet: goal,
            GoalText: "16 clients x 1,000 events on 2 cores: >= 200,000 events/s applied, every event applied within 10 s, GET p99 < 100 ms, memory bounded");
    }

    private sealed record ScenarioResult(
        string Label, long Requests, long Refused, long Acknowledged, double AcknowledgedPerSecond, long Applied, double AppliedSeconds, double AppliedPerSecond,
        double CatchUpSeconds, double LagP50Ms, double LagP99Ms, double LagMaxMs, long Gets, double GetP50Ms, double GetP99Ms, double PeakRssMiB, double EndRssMiB, long Rounds,
        IReadOnlyList<double> RssTimeline, double CpuSeconds, double CpuMicrosecondsPerEvent);

    private static async Task<ScenarioResult> RunScenarioAsync(
        BenchmarkContext context, string label, int clients, int batchSize, int seconds, int users, IReadOnlyDictionary<string, string> hostSettings, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(context.WorkDirectory, "host-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        using var host = StartHost(folder, hostSettings);
        try
        {
            var address = await ReadAddressAsync(host, cancellationToken);
            context.Progress($"{label}: host {host.Id} on {address}");
            using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = clients + 4, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
            using var http = new HttpClient(handler) { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(120) };
            http.DefaultRequestHeaders.Add("x-functions-key", Key);

            // Warm up: the first request creates the definitions and the aggregators.
            await http.PostAsync("api/events", Body(new EventGenerator(999, users), 10), cancellationToken);

            var stop = DateTime.UtcNow.AddSeconds(seconds);
            long requests = 0, refused = 0, acknowledged = 0;
            var gets = new ConcurrentBag<double>();
            var peakRss = 0.0;
            var timeline = new List<double>();
            var cpuBefore = CpuSeconds(host.Id);
            var load = Stopwatch.StartNew();
            var senders = Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
            {
                var generator = new EventGenerator(client, users);
                while (DateTime.UtcNow < stop)
                {
                    using var content = Body(generator, batchSize);
                    var bytes = await content.ReadAsByteArrayAsync(cancellationToken);
                    while (true)
                    {
                        using var request = new ByteArrayContent(bytes);
                        request.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
                        using var response = await http.PostAsync("api/events", request, cancellationToken);
                        Interlocked.Increment(ref requests);
                        if (response.StatusCode == HttpStatusCode.Accepted)
                        {
                            Interlocked.Add(ref acknowledged, batchSize);
                            break;
                        }
                        if (response.StatusCode != HttpStatusCode.TooManyRequests) throw new InvalidOperationException($"POST /api/events answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
                        Interlocked.Increment(ref refused);
                        await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), cancellationToken);
                    }
                }
            }, cancellationToken)).ToList();
            var reader = Task.Run(async () =>
            {
                while (DateTime.UtcNow < stop)
                {
                    var watch = Stopwatch.StartNew();
                    using var response = await http.GetAsync("api/workflows", cancellationToken);
                    response.EnsureSuccessStatusCode();
                    await response.Content.ReadAsByteArrayAsync(cancellationToken);
                    gets.Add(watch.Elapsed.TotalMilliseconds);
                    var now = Rss(host.Id).Current;
                    peakRss = Math.Max(peakRss, now);
                    if (load.Elapsed.TotalSeconds >= 10 * (timeline.Count + 1)) timeline.Add(now);
                    await Task.Delay(50, cancellationToken);
                }
            }, cancellationToken);
            await Task.WhenAll(senders.Append(reader));
            var loadSeconds = load.Elapsed.TotalSeconds;
            context.Progress($"{label}: {acknowledged:N0} events acknowledged in {loadSeconds:0.0} s ({refused:N0} x 429); waiting for the aggregators");

            // Every acknowledged event (and the warm-up's) applied: the host's own count, with a deadline.
            JsonElement status;
            var deadline = DateTime.UtcNow.AddMinutes(5);
            while (true)
            {
                status = await http.GetFromJsonElementAsync("api/events/status", cancellationToken);
                var applied = status.GetProperty("applied");
                if (applied.GetProperty("eventsApplied").GetInt64() + applied.GetProperty("eventsSkipped").GetInt64() + applied.GetProperty("eventsRefused").GetInt64() >= acknowledged + 10) break;
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"not every event was applied within 5 minutes: {status}");
                peakRss = Math.Max(peakRss, Rss(host.Id).Current);
                await Task.Delay(20, cancellationToken);
            }
            var appliedSeconds = load.Elapsed.TotalSeconds;
            var cpu = CpuSeconds(host.Id) - cpuBefore;
            var rss = Rss(host.Id);
            var snapshot = status.GetProperty("applied");
            var appliedEvents = snapshot.GetProperty("eventsApplied").GetInt64();
            var sorted = gets.Order().ToList();
            var result = new ScenarioResult(label, requests, refused, acknowledged, acknowledged / loadSeconds, appliedEvents, appliedSeconds, appliedEvents / appliedSeconds,
                appliedSeconds - loadSeconds, snapshot.GetProperty("lagP50Ms").GetDouble(), snapshot.GetProperty("lagP99Ms").GetDouble(), snapshot.GetProperty("lagMaxMs").GetDouble(),
                sorted.Count, Percentile(sorted, 0.50), Percentile(sorted, 0.99), Math.Max(peakRss, rss.Peak), rss.Current, snapshot.GetProperty("rounds").GetInt64(),
                timeline, cpu, cpu * 1e6 / Math.Max(1, appliedEvents));
            context.Progress($"{label}: {result.AppliedPerSecond:N0} events/s applied, lag p99 {result.LagP99Ms:N0} ms (max {result.LagMaxMs:N0}), GET p99 {result.GetP99Ms:N1} ms, peak RSS {result.PeakRssMiB:N0} MiB");
            return result;
        }
        finally
        {
            host.Kill(entireProcessTree: true);
            await host.WaitForExitAsync(CancellationToken.None);
        }
    }

    private static ByteArrayContent Body(EventGenerator generator, int events)
    {
        var content = new ByteArrayContent(generator.Lines(events));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        return content;
    }

    private static double Percentile(List<double> sorted, double q) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>Current and peak resident set size of a process, in MiB (VmRSS and VmHWM from /proc).</summary>
    private static (double Current, double Peak) Rss(int pid)
    {
        double current = 0, peak = 0;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) current = KiB(line) / 1024;
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peak = KiB(line) / 1024;
            }
        }
        catch (IOException)
        {
        }
        return (current, peak);

        static double KiB(string line) => double.Parse(line.Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    /// <summary>User plus system CPU time of a process so far, from /proc (clock ticks of 1/100 s).</summary>
    private static double CpuSeconds(int pid)
    {
        try
        {
            var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // After the command name: state is field 3, utime 14 and stime 15 (1-based) of the whole line.
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static Process StartHost(string folder, IReadOnlyDictionary<string, string> hostSettings)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(LocateCli());
        foreach (var arg in new[] { "host", "--port", "0", "--no-schedules" }) start.ArgumentList.Add(arg);
        start.Environment["Serverless__Host__Keys"] = Key;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (name, value) in hostSettings) start.Environment[name] = value;
        var process = Process.Start(start)!;
        // Nobody reads the host's log during the run: drain it so it never blocks on a full pipe.
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<string> ReadAddressAsync(Process host, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromMinutes(2));
        while (true)
        {
            var line = await host.StandardOutput.ReadLineAsync(deadline.Token) ?? throw new InvalidOperationException("the host exited before it printed its address");
            if (!line.StartsWith("serverless host on ", StringComparison.Ordinal)) continue;
            _ = DrainAsync(host.StandardOutput);
            return line["serverless host on ".Length..].Split(' ')[0];
        }

        static async Task DrainAsync(StreamReader reader)
        {
            var buffer = new char[4096];
            while (await reader.ReadAsync(buffer) > 0)
            {
            }
        }
    }

    private static string LocateCli()
    {
        var dll = BuiltAssembly.PathOf("tools/Serverless.Cli", "serverless");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("The CLI is not built (it builds with this benchmark).", dll);
    }

    /// <summary>
    /// Events for the built-in sample experiments, as a producer sends them: a user population per experiment, mostly
    /// exposures, some clicks and conversions (with a value for the checkout banner), stamped now, each with its own eventId.
    /// </summary>
    private sealed class EventGenerator(int client, int users)
    {
        private readonly Random _random = new(client * 7919 + 17);
        private long _sequence;

        public byte[] Lines(int count)
        {
            var text = new StringBuilder(count * 170);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            for (var i = 0; i < count; i++)
            {
                var ranker = _random.Next(2) == 0;
                var user = _random.Next(users);
                var roll = _random.Next(10);
                var type = roll < 7 ? "exposure" : roll < 9 ? "click" : "conversion";
                // The same user always sees the same variant (the assignment API's job in production).
                var variant = ranker ? (user % 2 == 0 ? "als-v1" : "als-v2") : (user % 2 == 0 ? "none" : "free-shipping");
                text.Append("{\"eventId\":\"c").Append(client).Append('-').Append(_sequence++)
                    .Append("\",\"experiment\":\"").Append(ranker ? "ranker-2026" : "checkout-banner")
                    .Append("\",\"variant\":\"").Append(variant)
                    .Append("\",\"user\":\"u").Append(user)
                    .Append("\",\"type\":\"").Append(type).Append('"');
                if (!ranker && type == "conversion") text.Append(",\"value\":").Append((_random.Next(500, 9000) / 100.0).ToString(CultureInfo.InvariantCulture));
                text.Append(",\"timestamp\":").Append(now).Append("}\n");
            }
            return Encoding.UTF8.GetBytes(text.ToString());
        }
    }
}

internal static class HttpJsonExtensions
{
    public static async Task<JsonElement> GetFromJsonElementAsync(this HttpClient http, string url, CancellationToken cancellationToken)
    {
        using var document = JsonDocument.Parse(await http.GetStringAsync(url, cancellationToken));
        return document.RootElement.Clone();
    }
}
