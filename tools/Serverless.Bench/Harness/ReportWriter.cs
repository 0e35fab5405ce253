using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Serverless.Bench.Harness;

/// <summary>Writes a report as a Markdown block (for docs/benchmarks.md) and as JSON (for tooling).</summary>
public static class ReportWriter
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static string ToMarkdown(BenchmarkReport report, MachineInfo machine, string command)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Command: `{command}`  ");
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {machine}  ");
        if (report.Parameters.Count > 0)
        {
            text.AppendLine("Parameters: " + string.Join(", ", report.Parameters.Select(p => $"{p.Key}={p.Value}")) + "  ");
        }
        text.AppendLine();
        text.AppendLine("| figure | value | unit | note |");
        text.AppendLine("|---|---:|---|---|");
        foreach (var metric in report.Metrics)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {metric.Name} | {Format(metric.Value)} | {metric.Unit} | {metric.Note ?? ""} |");
        }
        if (report.Comparison is not null)
        {
            text.AppendLine();
            text.AppendLine("Comparison: " + report.Comparison);
        }
        if (report.GoalText is not null)
        {
            text.AppendLine();
            var verdict = report.GoalMet switch { true => "met", false => "NOT met", null => "n/a" };
            text.AppendLine(CultureInfo.InvariantCulture, $"Goal: {report.GoalText} ({verdict})");
        }
        return text.ToString();
    }

    public static async Task WriteJsonAsync(BenchmarkReport report, MachineInfo machine, string command, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var document = new { report.Scenario, command, machine, measuredAtUtc = DateTime.UtcNow, report };
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(document, Json));
    }

    private static string Format(double value) =>
        Math.Abs(value) >= 100 ? value.ToString("N0", CultureInfo.InvariantCulture)
        : Math.Abs(value) >= 1 ? value.ToString("N2", CultureInfo.InvariantCulture)
        : value.ToString("G4", CultureInfo.InvariantCulture);
}
