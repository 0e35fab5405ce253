using System.Diagnostics;
using System.Globalization;
using Serverless.Bench.Harness;
using Serverless.Forecasting.Import;
using Serverless.Forecasting.Synthetic;

namespace Serverless.Bench.Forecasting;

/// <summary>
/// The sales importer on a generated <c>sales.csv</c> (default 30 stores x 30 items, daily since
/// 2017): rows per second and CPU for the full validation (dates, numbers, ids, duplicates), against
/// only reading the lines of the same file in the same run (the floor any importer pays).
/// </summary>
public sealed class ForecastImportBenchmark : IBenchmark
{
    public string Name => "forecast-import";

    public string Description => "Sales CSV import with validation and duplicate detection vs reading the lines alone, rows/s and CPU.";

    public Task<BenchmarkReport> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var stores = context.GetInt("stores", 30);
        var items = context.GetInt("items", 30);
        var rounds = context.GetInt("rounds", 3);
        var end = DateOnly.Parse(context.GetString("end", "2026-11-22"), CultureInfo.InvariantCulture);
        var path = Path.Combine(context.WorkDirectory, "sales.csv");
        using (var writer = new StreamWriter(path)) ChainGenerator.Generate(new GeneratorOptions { End = end, StoreCount = stores, ItemCount = items }).WriteSalesCsv(writer);
        var bytes = new FileInfo(path).Length;
        context.Progress($"sales.csv: {bytes / 1048576.0:0} MiB");

        var read = new List<(double Wall, double Cpu, long Rows)>();
        var import = new List<(double Wall, double Cpu, long Rows)>();
        for (var r = 0; r < rounds; r++)
        {
            read.Add(Measure(() =>
            {
                using var reader = new StreamReader(path);
                long lines = -1;
                while (reader.ReadLine() is not null) lines++;
                return lines;
            }));
            import.Add(Measure(() =>
            {
                var quarantine = new Quarantine();
                long rows = 0;
                foreach (var _ in SalesCsvImporter.ReadFile(path, quarantine)) rows++;
                if (quarantine.Count > 0) throw new InvalidOperationException(quarantine.Records[0].Message);
                return rows;
            }));
            context.Progress($"round {r + 1}: read lines {read[^1].Wall:0.00} s, import {import[^1].Wall:0.00} s (CPU {import[^1].Cpu:0.00} s)");
            cancellationToken.ThrowIfCancellationRequested();
        }
        var readBest = read.MinBy(x => x.Cpu);
        var importBest = import.MinBy(x => x.Cpu);
        var rows = importBest.Rows;
        var metrics = new List<BenchmarkMetric>
        {
            new("rows", rows, "", $"{bytes / 1048576.0:0} MiB"),
            new("import: rows/s (by CPU)", rows / importBest.Cpu, "rows/s", $"best of {rounds} by process CPU; wall {importBest.Wall:0.00} s"),
            new("import: ns per row (CPU)", importBest.Cpu * 1e9 / rows, "ns", null),
            new("read lines only: rows/s (by CPU)", rows / readBest.Cpu, "rows/s", $"same file, same run; wall {readBest.Wall:0.00} s"),
            new("read lines only: ns per row (CPU)", readBest.Cpu * 1e9 / rows, "ns", null),
        };
        var comparison = $"import costs {importBest.Cpu / readBest.Cpu:0.0}x the CPU of reading the lines alone ({importBest.Cpu * 1e9 / rows:0} vs {readBest.Cpu * 1e9 / rows:0} ns per row).";
        var parameters = new Dictionary<string, string>
        {
            ["stores"] = stores.ToString(CultureInfo.InvariantCulture),
            ["items"] = items.ToString(CultureInfo.InvariantCulture),
            ["end"] = end.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["rounds"] = rounds.ToString(CultureInfo.InvariantCulture),
        };
        return Task.FromResult(new BenchmarkReport(Name, metrics, parameters, comparison));
    }

    private static (double Wall, double Cpu, long Rows) Measure(Func<long> work)
    {
        using var self = Process.GetCurrentProcess();
        GC.Collect();
        self.Refresh();
        var cpu = self.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var rows = work();
        var wall = clock.Elapsed.TotalSeconds;
        self.Refresh();
        return (wall, (self.TotalProcessorTime - cpu).TotalSeconds, rows);
    }
}
