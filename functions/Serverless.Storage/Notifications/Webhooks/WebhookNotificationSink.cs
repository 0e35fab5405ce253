using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Serverless.Storage.Notifications.Webhooks;

/// <summary>
/// Posts notifications to one webhook (Slack, Teams or a signed json receiver). Server errors (5xx), throttling (429),
/// attempts cut off by <see cref="WebhookSinkOptions.Timeout"/> and lost connections are retried with exponential
/// back-off, or after the receiver's <c>Retry-After</c>; other answers (4xx) are final. Every attempt carries the same
/// notification id, so a receiver drops repeats of at-least-once delivery. The URL and key appear nowhere but the
/// request itself: not in logs, exceptions or spans.
/// </summary>
public sealed partial class WebhookNotificationSink : INotificationSink, IDisposable
{
    private readonly WebhookSinkOptions _options;
    private readonly Uri? _linkBase;
    private readonly HttpClient _http;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public WebhookNotificationSink(WebhookSinkOptions options, Uri? linkBase = null, ILogger<WebhookNotificationSink>? logger = null,
        TimeProvider? timeProvider = null, HttpMessageHandler? handler = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _linkBase = linkBase;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        // Redirects are not followed: a receiver is where it is configured to be. No client-level timeout: each attempt has its own.
        _http = new HttpClient(handler ?? new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _pipeline = BuildPipeline();
    }

    public string Name => _options.Name;

    public WebhookKind Kind => _options.Kind;

    public Task SendAsync(Notification notification, CancellationToken cancellationToken = default) => DeliverAsync(notification, cancellationToken);

    /// <summary>Delivers the notification and returns how many attempts it took; throws <see cref="NotificationDeliveryException"/> when it could not.</summary>
    public async Task<int> DeliverAsync(Notification notification, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var body = WebhookMessages.Create(_options.Kind, notification, _linkBase, _time.GetUtcNow());
        var id = notification.EffectiveId;
        using var span = NotificationTelemetry.Source.StartActivity($"notify {_options.Name}", ActivityKind.Client);
        span?.SetTag("serverless.notification.id", id);
        span?.SetTag("serverless.notification.sink", _options.Name);
        span?.SetTag("serverless.notification.sink_kind", _options.Kind.ToString().ToLowerInvariant());

        var attempts = 0;
        HttpResponseMessage? response = null;
        string? failure = null;
        try
        {
            response = await _pipeline.ExecuteAsync(async token =>
            {
                attempts++;
                using var request = CreateRequest(body, id);
                return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) failure = Describe(response, attempts);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (TimeoutRejectedException)
        {
            failure = $"no answer within {Seconds(_options.Timeout)} s ({Attempts(attempts)})";
        }
        catch (HttpRequestException ex)
        {
            // HttpRequestError names the kind of failure without the address the message may hold.
            failure = $"connection failed: {ex.HttpRequestError} ({Attempts(attempts)})";
        }
        finally
        {
            response?.Dispose();
        }

        span?.SetTag("serverless.notification.attempts", attempts);
        if (failure is null)
        {
            span?.SetTag("serverless.notification.outcome", "delivered");
            LogDelivered(_logger, id, _options.Name, attempts);
            return attempts;
        }
        span?.SetTag("serverless.notification.outcome", "failed");
        span?.SetStatus(ActivityStatusCode.Error, failure);
        LogFailed(_logger, id, _options.Name, failure);
        throw new NotificationDeliveryException($"webhook '{_options.Name}'", attempts, failure);
    }

    public void Dispose() => _http.Dispose();

    private HttpRequestMessage CreateRequest(byte[] body, string id)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _options.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(WebhookSignature.NotificationIdHeader, id);
        if (_options.SigningKey is { } key)
        {
            // Signed per attempt: the timestamp is the attempt's, so a receiver can refuse stale replays.
            var timestamp = _time.GetUtcNow().ToUnixTimeSeconds();
            request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(key, timestamp, body));
        }
        return request;
    }

    private ResiliencePipeline<HttpResponseMessage> BuildPipeline()
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = _time };
        if (_options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = _options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.RetryDelay,
                MaxDelay = TimeSpan.FromSeconds(30),
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome)),
                // The receiver's Retry-After wins over the back-off.
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { } r ? RetryAfter(r) : null),
            });
        }
        builder.AddTimeout(_options.Timeout);
        return builder.Build();
    }

    private bool ShouldRetry(Outcome<HttpResponseMessage> outcome)
    {
        if (outcome.Exception is not null) return outcome.Exception is HttpRequestException or TimeoutRejectedException;
        var response = outcome.Result!;
        var status = (int)response.StatusCode;
        if (status != 429 && status < 500) return false;
        // A receiver asking to wait longer than this sink waits gets no further attempt.
        return RetryAfter(response) is not { } wait || wait <= _options.MaxRetryAfter;
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (header?.Date is { } date)
        {
            var wait = date - _time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }
        return null;
    }

    private string Describe(HttpResponseMessage response, int attempts)
    {
        var status = $"HTTP {(int)response.StatusCode} ({response.ReasonPhrase ?? response.StatusCode.ToString()})";
        if ((int)response.StatusCode is < 500 and not 429) return $"{status}; not retried: the receiver refused the message";
        if (RetryAfter(response) is { } wait && wait > _options.MaxRetryAfter)
        {
            return $"{status}; the receiver asked to retry after {Seconds(wait)} s, longer than this sink waits ({Seconds(_options.MaxRetryAfter)} s) ({Attempts(attempts)})";
        }
        return $"{status} ({Attempts(attempts)})";
    }

    private static string Attempts(int attempts) => attempts == 1 ? "1 attempt" : $"{attempts} attempts";

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 4110, Level = LogLevel.Information, Message = "Notification {Id} delivered to webhook '{Sink}' ({Attempts} attempt(s))")]
    private static partial void LogDelivered(ILogger logger, string id, string sink, int attempts);

    [LoggerMessage(EventId = 4111, Level = LogLevel.Warning, Message = "Notification {Id} not delivered to webhook '{Sink}': {Reason}")]
    private static partial void LogFailed(ILogger logger, string id, string sink, string reason);
}
