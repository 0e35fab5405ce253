using System.Text.Json;
using Serverless.Storage.Notifications;
using Serverless.Storage.Tests.Support;

namespace Serverless.Storage.Tests.Notifications;

public sealed class JsonLinesNotificationSinkTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [Fact]
    public async Task Each_notification_is_one_JSON_line_with_its_time()
    {
        var path = _folder.Combine("out", "notifications.jsonl");
        var sink = new JsonLinesNotificationSink(path, timeProvider: new FixedTime(new DateTimeOffset(2025, 4, 7, 6, 0, 0, TimeSpan.Zero)));

        await sink.SendAsync(new Notification("Forecast ready", "Week 15 awaits approval.", NotificationSeverity.Warning,
            [new NotificationLink("Approve", "http://localhost:7071/api/approvals/w15")]));
        await sink.SendAsync(new Notification("Published", "12 stores."));

        var lines = await File.ReadAllLinesAsync(path);
        Assert.Equal(2, lines.Length);
        var first = JsonDocument.Parse(lines[0]).RootElement;
        Assert.Equal("Forecast ready", first.GetProperty("subject").GetString());
        Assert.Equal("Warning", first.GetProperty("severity").GetString());
        Assert.Equal("2025-04-07T06:00:00+00:00", first.GetProperty("sentAt").GetString());
        Assert.Equal("http://localhost:7071/api/approvals/w15", first.GetProperty("links")[0].GetProperty("url").GetString());
        Assert.Equal("Info", JsonDocument.Parse(lines[1]).RootElement.GetProperty("severity").GetString());
    }

    [Fact]
    public async Task Concurrent_senders_never_interleave_lines()
    {
        var path = _folder.Combine("notifications.jsonl");
        var sinks = new[] { new JsonLinesNotificationSink(path), new JsonLinesNotificationSink(path) };

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            Task.Run(() => sinks[i % 2].SendAsync(new Notification($"n{i}", new string('x', 2000))))));

        var subjects = (await File.ReadAllLinesAsync(path)).Select(line => JsonDocument.Parse(line).RootElement.GetProperty("subject").GetString());
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"n{i}").Order(), subjects.Order());
    }

    public void Dispose() => _folder.Dispose();
}
