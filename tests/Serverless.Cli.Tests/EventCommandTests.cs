using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Serverless.Cli.Tests;

/// <summary><c>serverless events replay</c> against the built-in sample experiments, in a fresh working folder.</summary>
public sealed class EventCommandTests : IDisposable
{
    private readonly CliProcess _cli = new();

    public void Dispose() => _cli.Dispose();

    private string WriteEvents(int users)
    {
        var lines = new StringBuilder();
        var start = new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < users; i++)
        {
            var variant = i % 2 == 0 ? "none" : "free-shipping";
            var at = start.AddSeconds(i).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            lines.Append($$"""{"eventId":"x{{i}}","experiment":"checkout-banner","variant":"{{variant}}","user":"u{{i}}","type":"exposure","timestamp":"{{at}}"}""").Append('\n');
            if (i % 5 == 0) lines.Append($$"""{"eventId":"c{{i}}","experiment":"checkout-banner","variant":"{{variant}}","user":"u{{i}}","type":"conversion","value":12.5,"timestamp":"{{at}}"}""").Append('\n');
        }
        lines.Append("this line is not JSON\n");
        lines.Append("""{"eventId":"bad","experiment":"checkout-banner","variant":"nope","user":"u1","type":"exposure","timestamp":"2026-11-02T00:00:00Z"}""").Append('\n');
        var path = Path.Combine(_cli.WorkingDirectory, "events.jsonl");
        File.WriteAllText(path, lines.ToString());
        return path;
    }

    [Fact]
    public async Task Replay_applies_every_event_once_and_a_second_replay_in_other_batches_changes_nothing()
    {
        WriteEvents(300);

        var first = await _cli.RunAsync("events", "replay", "events.jsonl", "--batch-size", "100");

        Assert.True(first.ExitCode == 0, first.Error + first.Output);
        Assert.Contains("4 batches (0 sent before), 362 records, 360 accepted, 2 quarantined; 360 events counted now", first.Output);
        Assert.Contains("MalformedJson 1, UnknownVariant 1", first.Output);
        Assert.Matches(new Regex(@"none \(control\)\s*│\s*0\.500\s*│\s*150\s*│\s*30"), first.Output);
        Assert.Contains("sample ratio: ok", first.Output);

        // The same file again, cut at other boundaries: new batches, every event already counted by its eventId.
        var second = await _cli.RunAsync("events", "replay", "events.jsonl", "--batch-size", "37");

        Assert.True(second.ExitCode == 0, second.Error + second.Output);
        Assert.Contains("10 batches (0 sent before)", second.Output);
        Assert.Contains("0 events counted now, 360 counted before (by eventId) or refused", second.Output);
        Assert.Contains("checkout-banner: aggregate unchanged", second.Output);
        Assert.Matches(new Regex(@"none \(control\)\s*│\s*0\.500\s*│\s*150\s*│\s*30"), second.Output);
    }

    [Theory]
    [InlineData(new[] { "events", "replay", "missing.jsonl" }, "does not exist")]
    [InlineData(new[] { "events", "replay", "events.jsonl", "--batch-size", "0" }, "--batch-size")]
    public async Task Bad_arguments_exit_2_with_one_clear_line(string[] args, string message)
    {
        WriteEvents(3);
        var result = await _cli.RunAsync(args);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error);
    }
}
