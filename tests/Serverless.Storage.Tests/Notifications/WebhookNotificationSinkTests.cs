using System.Text.Json;
using Microsoft.Extensions.Logging;
using Serverless.Storage.Notifications;
using Serverless.Storage.Notifications.Webhooks;
using Serverless.Storage.Tests.Support;
using Serverless.Testing;

namespace Serverless.Storage.Tests.Notifications;

/// <summary>
/// Webhook sinks against a receiver on 127.0.0.1 that checks signatures itself, fails the first attempts, throttles
/// with Retry-After and hangs: what is retried, what is not, and that no URL or key leaks into errors or logs.
/// </summary>
public sealed class WebhookNotificationSinkTests
{
    private const string Key = "test-signing-key-0123456789abcdef-0123";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static readonly Notification Sample = new("Weekly forecast 2024-06-03 awaits review", "3 stores, 1 flag. Decide by 2024-06-02.",
        NotificationSeverity.Warning, [new NotificationLink("Review page", "/review.html?instance=wf-1"), new NotificationLink("Order file", "stores/S01/orders/2024-06-03.json")]);

    private static WebhookSinkOptions Options(WebhookReceiver receiver, WebhookKind kind = WebhookKind.Json, double timeoutSeconds = 5, int attempts = 5,
        double maxRetryAfterSeconds = 60) =>
        new("ops", kind, receiver.Url, kind == WebhookKind.Json ? Key : null, TimeSpan.FromSeconds(timeoutSeconds), attempts,
            TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(maxRetryAfterSeconds));

    [Fact]
    public async Task A_signed_json_webhook_is_retried_through_server_errors_and_throttling_and_arrives_once_verified()
    {
        await using var receiver = new WebhookReceiver(Key, new WebhookAnswer(500), new WebhookAnswer(503), new WebhookAnswer(429, RetryAfterSeconds: 1));
        using var sink = new WebhookNotificationSink(Options(receiver), new Uri("https://func-demo.azurewebsites.net"));

        var attempts = await sink.DeliverAsync(Sample with { Id = "n-1" }).WaitAsync(Deadline);

        Assert.Equal(4, attempts);
        var requests = receiver.Requests;
        Assert.Equal([500, 503, 429, 200], requests.Select(r => r.Answer));
        Assert.All(requests, r => Assert.True(r.SignatureValid));
        Assert.All(requests, r => Assert.Equal("n-1", r.NotificationId));
        // Retry-After: 1 was honoured (a lower bound, not a speed).
        Assert.True(requests[3].At - requests[2].At >= TimeSpan.FromSeconds(0.9), $"{(requests[3].At - requests[2].At).TotalSeconds} s");
        var body = JsonDocument.Parse(requests[3].Body).RootElement;
        Assert.Equal("n-1", body.GetProperty("id").GetString());
        Assert.Equal("warning", body.GetProperty("severity").GetString());
        Assert.Equal("https://func-demo.azurewebsites.net/review.html?instance=wf-1", body.GetProperty("links")[0].GetProperty("url").GetString());
        Assert.Equal("stores/S01/orders/2024-06-03.json", body.GetProperty("links")[1].GetProperty("url").GetString());
        Assert.Single(receiver.Accepted);
    }

    [Fact]
    public async Task A_refusal_is_not_retried_and_the_error_names_the_sink_but_not_its_url()
    {
        await using var receiver = new WebhookReceiver(Key, new WebhookAnswer(400));
        var logs = new ListLogger();
        using var sink = new WebhookNotificationSink(Options(receiver), logger: logs);

        var error = await Assert.ThrowsAsync<NotificationDeliveryException>(() => sink.DeliverAsync(Sample).WaitAsync(Deadline));

        Assert.Single(receiver.Requests);
        Assert.Equal(1, error.Attempts);
        Assert.Contains("webhook 'ops'", error.Message);
        Assert.Contains("HTTP 400", error.Message);
        Assert.Contains("not retried", error.Message);
        AssertNoSecret(receiver, error.Message);
        Assert.Contains(logs.Lines, l => l.Contains("HTTP 400", StringComparison.Ordinal));
        Assert.All(logs.Lines, l => AssertNoSecret(receiver, l));
    }

    [Fact]
    public async Task A_receiver_that_hangs_is_cut_off_by_the_timeout()
    {
        await using var receiver = new WebhookReceiver(Key, new WebhookAnswer(200, Hang: true), new WebhookAnswer(200, Hang: true));
        using var sink = new WebhookNotificationSink(Options(receiver, timeoutSeconds: 0.3, attempts: 2));

        var error = await Assert.ThrowsAsync<NotificationDeliveryException>(() => sink.DeliverAsync(Sample).WaitAsync(Deadline));

        Assert.Equal(2, error.Attempts);
        Assert.Equal("no answer within 0.3 s (2 attempts)", error.Reason);
        // The sink counts its attempts; an attempt cut off on a busy machine may end before the receiver has read it.
        Assert.InRange(receiver.Requests.Count, 1, 2);
    }

    [Fact]
    public async Task A_retry_after_longer_than_the_sink_waits_ends_the_attempts()
    {
        await using var receiver = new WebhookReceiver(Key, new WebhookAnswer(429, RetryAfterSeconds: 3600));
        using var sink = new WebhookNotificationSink(Options(receiver, maxRetryAfterSeconds: 30));

        var error = await Assert.ThrowsAsync<NotificationDeliveryException>(() => sink.DeliverAsync(Sample).WaitAsync(Deadline));

        Assert.Single(receiver.Requests);
        Assert.Contains("HTTP 429", error.Reason);
        Assert.Contains("retry after 3600 s", error.Reason);
    }

    [Fact]
    public async Task Server_errors_are_retried_until_the_attempts_run_out()
    {
        await using var receiver = new WebhookReceiver(Key, new WebhookAnswer(502), new WebhookAnswer(502), new WebhookAnswer(502));
        using var sink = new WebhookNotificationSink(Options(receiver, attempts: 3));

        var error = await Assert.ThrowsAsync<NotificationDeliveryException>(() => sink.DeliverAsync(Sample).WaitAsync(Deadline));

        Assert.Equal("HTTP 502 (Bad Gateway) (3 attempts)", error.Reason);
        Assert.Equal(3, receiver.Requests.Count);
    }

    [Fact]
    public async Task A_slack_webhook_gets_short_text_with_the_links_a_person_can_open()
    {
        await using var receiver = new WebhookReceiver();
        using var sink = new WebhookNotificationSink(Options(receiver, WebhookKind.Slack), new Uri("http://127.0.0.1:7071"));

        var notification = Sample with { Body = new string('x', 5000) };
        await sink.DeliverAsync(notification).WaitAsync(Deadline);

        var text = JsonDocument.Parse(Assert.Single(receiver.Requests).Body).RootElement.GetProperty("text").GetString()!;
        Assert.StartsWith("🟠 *Weekly forecast 2024-06-03 awaits review*\n", text);
        Assert.Contains("<http://127.0.0.1:7071/review.html?instance=wf-1|Review page>", text);
        Assert.DoesNotContain("stores/S01", text);
        Assert.Contains("_notification " + notification.EffectiveId + "_", text);
        Assert.True(text.Length < WebhookMessages.MaxBodyCharacters + 300, $"{text.Length} characters");
        Assert.Null(receiver.Requests[0].Signature);
    }

    [Fact]
    public async Task A_teams_workflow_gets_an_adaptive_card_with_open_url_actions()
    {
        await using var receiver = new WebhookReceiver();
        using var sink = new WebhookNotificationSink(Options(receiver, WebhookKind.Teams), new Uri("https://func-demo.azurewebsites.net/"));

        await sink.DeliverAsync(Sample).WaitAsync(Deadline);

        var message = JsonDocument.Parse(Assert.Single(receiver.Requests).Body).RootElement;
        Assert.Equal("message", message.GetProperty("type").GetString());
        var attachment = message.GetProperty("attachments")[0];
        Assert.Equal("application/vnd.microsoft.card.adaptive", attachment.GetProperty("contentType").GetString());
        var card = attachment.GetProperty("content");
        Assert.Equal("AdaptiveCard", card.GetProperty("type").GetString());
        Assert.Equal("🟠 Weekly forecast 2024-06-03 awaits review", card.GetProperty("body")[0].GetProperty("text").GetString());
        var action = Assert.Single(card.GetProperty("actions").EnumerateArray());
        Assert.Equal("Action.OpenUrl", action.GetProperty("type").GetString());
        Assert.Equal("https://func-demo.azurewebsites.net/review.html?instance=wf-1", action.GetProperty("url").GetString());
    }

    [Fact]
    public async Task Channels_report_a_failing_webhook_without_throwing_and_the_other_sinks_still_deliver()
    {
        using var folder = new TempDirectory();
        await using var good = new WebhookReceiver(Key);
        await using var bad = new WebhookReceiver(null, new WebhookAnswer(404));
        var file = new JsonLinesNotificationSink(folder.Combine("notifications.jsonl"));
        var settings = new NotificationSettings(
        [
            Options(good) with { Name = "receiver" },
            Options(bad, WebhookKind.Slack) with { Name = "chat" },
        ], null);
        using var channels = NotificationChannels.Create(file, settings);

        var delivery = await channels.SendAsync(Sample).WaitAsync(Deadline);

        Assert.False(delivery.Delivered);
        Assert.Equal(["file", "receiver", "chat"], delivery.Channels.Select(c => c.Channel));
        var failure = Assert.Single(delivery.Failures);
        Assert.Equal("chat", failure.Channel);
        Assert.StartsWith("HTTP 404", failure.Error);
        AssertNoSecret(bad, failure.Error!);
        Assert.Equal(Sample.EffectiveId, delivery.NotificationId);
        Assert.Equal(Sample.EffectiveId, Assert.Single(good.Requests).NotificationId);
        Assert.Contains(Sample.EffectiveId, Assert.Single(await File.ReadAllLinesAsync(folder.Combine("notifications.jsonl"))));
    }

    [Fact]
    public void Options_show_the_name_and_kind_but_never_the_url_or_key()
    {
        var options = new WebhookSinkOptions("ops", WebhookKind.Json, new Uri("https://hooks.example.com/secret-path"), Key,
            TimeSpan.FromSeconds(1), 1, TimeSpan.Zero, TimeSpan.Zero);

        Assert.Equal("webhook 'ops' (json)", options.ToString());
    }

    private static void AssertNoSecret(WebhookReceiver receiver, string text)
    {
        Assert.DoesNotContain(receiver.Url.AbsolutePath, text, StringComparison.Ordinal);
        Assert.DoesNotContain(receiver.Url.Authority, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, text, StringComparison.Ordinal);
    }

    private sealed class ListLogger : ILogger<WebhookNotificationSink>
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines) return _lines.ToList();
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lines) _lines.Add(formatter(state, exception) + exception);
        }
    }
}
