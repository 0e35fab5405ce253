using System.Text.Json;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Testing;
using Serverless.Workflows.Common;
using Serverless.Workflows.Forecasting;

namespace Serverless.Workflows.Tests.Forecasting;

/// <summary>
/// A WeeklyForecast run tells people through webhooks: a Slack-style one and a signed JSON one receive its
/// "awaits review" and "published" messages; a webhook that refuses everything leaves the run to finish, with the
/// failure in its status and output.
/// </summary>
public sealed class WeeklyForecastNotificationTests
{
    private const string Key = "forecast-tests-signing-key-0123456789";

    private static Dictionary<string, string?> Webhooks(WebhookReceiver slack, WebhookReceiver signed) => new()
    {
        ["Serverless:Notifications:LinkBaseUrl"] = "http://127.0.0.1:7071",
        ["Serverless:Notifications:Webhooks:chat:Kind"] = "slack",
        ["Serverless:Notifications:Webhooks:chat:Url"] = slack.Url.AbsoluteUri,
        ["Serverless:Notifications:Webhooks:chat:RetryDelaySeconds"] = "0.01",
        ["Serverless:Notifications:Webhooks:erp:Kind"] = "json",
        ["Serverless:Notifications:Webhooks:erp:Url"] = signed.Url.AbsoluteUri,
        ["Serverless:Notifications:Webhooks:erp:SigningKey"] = Key,
        ["Serverless:Notifications:Webhooks:erp:RetryDelaySeconds"] = "0.01",
    };

    [Fact]
    public async Task A_slack_style_and_a_signed_webhook_receive_the_awaits_review_and_published_messages()
    {
        await using var slack = new WebhookReceiver();
        // The signed receiver fails the first attempt and then throttles, so the first message arrives on the third.
        await using var signed = new WebhookReceiver(Key, new WebhookAnswer(500), new WebhookAnswer(429, RetryAfterSeconds: 1));
        await using var env = await ForecastTestEnvironment.StartAsync(settings: Webhooks(slack, signed));

        var id = await env.StartRunAsync();
        await slack.WaitForRequestsAsync(1, TimeSpan.FromSeconds(120));
        await env.ReviewAsync(id, new ForecastReviewDecision("approve", "Tanaka"));
        var state = await env.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, state.RuntimeStatus);
        var slackTexts = slack.Accepted.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("text").GetString()!).ToList();
        Assert.Equal(2, slackTexts.Count);
        Assert.Contains($"[{id}] Weekly forecast 2024-06-03 awaits review", slackTexts[0]);
        Assert.Contains($"<http://127.0.0.1:7071/review.html?instance={id}|Review page>", slackTexts[0]);
        Assert.Contains($"<http://127.0.0.1:7071/api/workflows/{id}|Run status>", slackTexts[0]);
        Assert.Contains($"[{id}] Weekly forecast 2024-06-03 published", slackTexts[1]);
        Assert.Contains($"<http://127.0.0.1:7071/api/workflows/{id}|Run status>", slackTexts[1]);

        Assert.All(signed.Requests, r => Assert.True(r.SignatureValid));
        Assert.Equal([500, 429, 200, 200], signed.Requests.Select(r => r.Answer));
        // Every attempt of one message carries the same id; the receiver keeps one of each.
        Assert.Single(signed.Requests.Take(3).Select(r => r.NotificationId).Distinct());
        var messages = signed.Accepted.Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        Assert.Equal([$"[{id}] Weekly forecast 2024-06-03 awaits review", $"[{id}] Weekly forecast 2024-06-03 published"],
            messages.Select(m => m.GetProperty("subject").GetString()));
        Assert.Equal(signed.Accepted.Select(r => r.NotificationId), messages.Select(m => m.GetProperty("id").GetString()));
        Assert.Contains(messages[0].GetProperty("links").EnumerateArray(), l => l.GetProperty("url").GetString() == $"http://127.0.0.1:7071/review.html?instance={id}");

        var output = state.ReadOutputAs<WeeklyForecastOutput>()!;
        Assert.Equal(2, output.Notifications!.Count);
        Assert.All(output.Notifications, n => Assert.True(n.Delivered, n.Describe()));
        Assert.Equal(signed.Accepted.Select(r => r.NotificationId), output.Notifications.Select(n => n.Id));
        // The local record has them too, with the same ids.
        var lines = await File.ReadAllLinesAsync(env.NotificationFile);
        Assert.Equal(output.Notifications.Select(n => n.Id), lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task A_webhook_that_refuses_every_message_does_not_fail_the_run_and_the_failure_is_in_its_status_and_output()
    {
        await using var slack = new WebhookReceiver(null, new WebhookAnswer(404), new WebhookAnswer(404));
        await using var signed = new WebhookReceiver(Key);
        await using var env = await ForecastTestEnvironment.StartAsync(settings: Webhooks(slack, signed));

        var output = await env.RunApprovedAsync();

        Assert.Equal("approved", output.Decision);
        Assert.Equal(3, output.Published.Count);
        Assert.Equal(2, slack.Requests.Count);
        Assert.All(output.Notifications!, n => Assert.False(n.Delivered));
        Assert.All(output.Notifications!, n => Assert.Equal(["chat: HTTP 404 (Not Found); not retried: the receiver refused the message"], n.Failures));
        Assert.Equal(2, signed.Accepted.Count);

        var id = (await env.Engine.Client.GetAllInstancesAsync(new OrchestrationQuery()).ToListAsync()).Single().InstanceId;
        var state = await env.Engine.Client.GetInstanceAsync(id, true);
        var status = JsonSerializer.Deserialize<WorkflowStatus>(state!.SerializedCustomStatus!, DurableJson.Options)!;
        Assert.Equal("done", status.Step);
        Assert.Equal(2, status.Warnings!.Count);
        Assert.Contains("published' not delivered to chat: HTTP 404", status.Warnings[1]);
        Assert.DoesNotContain(slack.Url.AbsolutePath, state.SerializedCustomStatus);
        Assert.DoesNotContain(slack.Url.AbsolutePath, state.SerializedOutput);
    }

    [Fact]
    public void A_notify_step_recorded_before_outcomes_existed_reads_as_delivered()
    {
        var legacy = JsonSerializer.Deserialize<NotificationOutcome>("true", DurableJson.Options)!;
        var current = JsonSerializer.Deserialize<NotificationOutcome>(
            JsonSerializer.Serialize(new NotificationOutcome("n1", "s", false, ["chat: HTTP 500"]), DurableJson.Options), DurableJson.Options)!;

        Assert.True(legacy.Delivered);
        Assert.Equal(("n1", "s", false), (current.Id, current.Subject, current.Delivered));
        Assert.Equal(["chat: HTTP 500"], current.Failures);
    }
}
