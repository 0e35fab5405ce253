using System.Globalization;
using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Spectre.Console;

namespace Serverless.Cli.Rendering;

/// <summary>Renders instances, lists and histories as readable tables.</summary>
internal static class InstanceRenderer
{
    public static void WriteStatus(OrchestrationMetadata m)
    {
        var table = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumn("field").AddColumn("value");
        table.AddRow("instance", Markup.Escape(m.InstanceId));
        table.AddRow("workflow", Markup.Escape(m.Name));
        table.AddRow("status", StatusMarkup(m.RuntimeStatus));
        table.AddRow("created", Time(m.CreatedAt));
        table.AddRow("updated", Time(m.LastUpdatedAt));
        if (m.SerializedCustomStatus is not null) table.AddRow("custom status", Markup.Escape(Pretty(m.SerializedCustomStatus)));
        if (m.SerializedInput is not null) table.AddRow("input", Markup.Escape(Truncate(Pretty(m.SerializedInput), 2_000)));
        if (m.SerializedOutput is not null) table.AddRow("output", Markup.Escape(Truncate(Pretty(m.SerializedOutput), 4_000)));
        if (m.FailureDetails is { } failure) table.AddRow("failure", $"[red]{Markup.Escape(failure.ToString())}[/]");
        AnsiConsole.Write(table);
    }

    public static void WriteList(IReadOnlyList<OrchestrationMetadata> instances)
    {
        if (instances.Count == 0)
        {
            Console.WriteLine("no instances");
            return;
        }
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("instance").AddColumn("workflow").AddColumn("status").AddColumn("created (UTC)").AddColumn("updated (UTC)").AddColumn("step");
        foreach (var m in instances)
        {
            table.AddRow(Markup.Escape(m.InstanceId), Markup.Escape(m.Name), StatusMarkup(m.RuntimeStatus), Time(m.CreatedAt), Time(m.LastUpdatedAt),
                Markup.Escape(Step(m) ?? ""));
        }
        AnsiConsole.Write(table);
    }

    public static void WriteHistory(IReadOnlyList<OrchestrationHistoryEvent> history)
    {
        var scheduledAt = new Dictionary<int, DateTime>();
        if (history.Count > 0) Console.WriteLine($"history of {history[0].Timestamp:yyyy-MM-dd} (times in UTC)");
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("time").AddColumn("event").AddColumn("name").AddColumn(new TableColumn("task").RightAligned())
            .AddColumn(new TableColumn("duration").RightAligned()).AddColumn("detail");
        foreach (var e in history)
        {
            string duration = "";
            if (e.TaskId is { } task)
            {
                if (e.EventType is "TaskScheduled" or "TimerCreated" or "SubOrchestrationCreated") scheduledAt[task] = e.Timestamp;
                else if (scheduledAt.TryGetValue(task, out var start)) duration = Duration(e.Timestamp - start);
            }
            var detail = e.Failure is not null ? $"[red]{Markup.Escape(Truncate(e.Failure.ToString(), 120))}[/]"
                : e.FireAt is { } fireAt ? $"fires {Time(fireAt)}"
                : Markup.Escape(Truncate(e.Data ?? "", 60));
            table.AddRow(e.Timestamp.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture), Markup.Escape(e.EventType), Markup.Escape(e.Name ?? ""),
                e.TaskId?.ToString(CultureInfo.InvariantCulture) ?? "", duration, detail);
        }
        AnsiConsole.Write(table);
    }

    /// <summary>One line per change of a running instance's custom status.</summary>
    public static void WriteProgress(OrchestrationMetadata m)
    {
        var step = Step(m);
        if (step is not null) Console.WriteLine($"  {step}");
    }

    public static void WriteOutcome(OrchestrationMetadata m, string? waitingFor)
    {
        if (m.RuntimeStatus.IsTerminal())
        {
            Console.WriteLine($"{m.InstanceId} {m.RuntimeStatus}");
            if (m.SerializedOutput is not null) Console.WriteLine(Truncate(Pretty(m.SerializedOutput), 4_000));
            if (m.FailureDetails is { } failure) Console.WriteLine($"failure: {failure}");
        }
        else
        {
            Console.WriteLine($"{m.InstanceId} {m.RuntimeStatus}, waiting for {waitingFor}");
            if (waitingFor is not null && !waitingFor.StartsWith("a timer", StringComparison.Ordinal))
            {
                Console.WriteLine($"  continue with: serverless workflows raise {m.InstanceId} {waitingFor} --data '<json>'");
            }
        }
    }

    /// <summary>The event a workflow says it waits for (its custom status's <c>waitingFor</c>), if any.</summary>
    public static string? WaitingFor(OrchestrationMetadata m) =>
        TryStatus(m, out var status) && status.TryGetProperty("waitingFor", out var waiting) && waiting.ValueKind == JsonValueKind.String
            ? waiting.GetString() : null;

    private static string? Step(OrchestrationMetadata m)
    {
        if (!TryStatus(m, out var status)) return m.SerializedCustomStatus;
        if (status.ValueKind != JsonValueKind.Object) return status.ToString();
        var text = status.TryGetProperty("step", out var step) ? step.GetString() : null;
        if (status.TryGetProperty("total", out var total) && total.TryGetInt32(out var t) && t > 0
            && status.TryGetProperty("done", out var done) && done.TryGetInt32(out var d))
        {
            text += $" {d}/{t}";
        }
        if (status.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String) text += $": {detail.GetString()}";
        return text;
    }

    private static bool TryStatus(OrchestrationMetadata m, out JsonElement status)
    {
        status = default;
        if (m.SerializedCustomStatus is null) return false;
        try
        {
            using var document = JsonDocument.Parse(m.SerializedCustomStatus);
            status = document.RootElement.Clone();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string StatusMarkup(OrchestrationRuntimeStatus status) => status switch
    {
        OrchestrationRuntimeStatus.Completed => "[green]Completed[/]",
        OrchestrationRuntimeStatus.Failed => "[red]Failed[/]",
        OrchestrationRuntimeStatus.Terminated => "[red]Terminated[/]",
        OrchestrationRuntimeStatus.Suspended => "[yellow]Suspended[/]",
        _ => status.ToString(),
    };

    private static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset time) => Time(time.UtcDateTime);

    private static string Duration(TimeSpan span) => span.TotalSeconds >= 1
        ? span.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture) + " s"
        : span.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture) + " ms";

    private static string Pretty(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return JsonSerializer.Serialize(document.RootElement, new JsonSerializerOptions { WriteIndented = true });
        }
        catch (JsonException)
        {
            return json;
        }
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";
}
