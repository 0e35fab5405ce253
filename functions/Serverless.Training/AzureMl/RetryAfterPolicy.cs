using System.Globalization;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Serverless.Training.AzureMl;

/// <summary>
/// Retries throttling (429), timeouts (408), server errors (5xx) and lost connections. A server's
/// <c>Retry-After</c> (seconds or an HTTP date, or Azure's <c>retry-after-ms</c>) decides the wait;
/// otherwise the wait doubles from a base delay up to a cap. The total wait per call is capped too:
/// when the next wait would pass it, the last answer is returned to the caller unretried.
/// </summary>
/// <remarks>
/// Azure.Core's own retry policy waits with an internal timer; this one waits through an injected
/// delegate and clock, so tests can see exactly what it waited without measuring time. The back-off
/// has no jitter: a handful of orchestrations poll a job, so there is no herd to spread.
/// </remarks>
internal sealed class RetryAfterPolicy : HttpPipelinePolicy
{
    private readonly int _maxRetries;
    private readonly TimeSpan _baseDelay;
    private readonly TimeSpan _maxDelay;
    private readonly TimeSpan _maxTotalDelay;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;
    private readonly TimeProvider _clock;

    public RetryAfterPolicy(int maxRetries, TimeSpan baseDelay, TimeSpan maxDelay, TimeSpan maxTotalDelay,
        Func<TimeSpan, CancellationToken, Task> delay, TimeProvider clock)
    {
        _maxRetries = maxRetries;
        _baseDelay = baseDelay;
        _maxDelay = maxDelay;
        _maxTotalDelay = maxTotalDelay;
        _delay = delay;
        _clock = clock;
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline, async: true);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline, async: false).AsTask().GetAwaiter().GetResult();

    private async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline, bool async)
    {
        var waited = TimeSpan.Zero;
        for (var retry = 1; ; retry++)
        {
            Exception? lostConnection = null;
            try
            {
                if (async) await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
                else ProcessNext(message, pipeline);
            }
            catch (Exception ex) when (IsLostConnection(ex, message))
            {
                lostConnection = ex;
            }

            if (lostConnection is null && !IsRetriable(message.Response.Status)) return;

            var wait = lostConnection is null ? ServerDelay(message.Response, _clock) ?? Backoff(retry) : Backoff(retry);
            if (retry > _maxRetries || waited + wait > _maxTotalDelay)
            {
                if (lostConnection is not null) throw lostConnection;
                return;
            }

            // Free the connection held by the answer we are about to replace.
            if (lostConnection is null) message.Response.ContentStream?.Dispose();
            waited += wait;
            if (async) await _delay(wait, message.CancellationToken).ConfigureAwait(false);
            else _delay(wait, message.CancellationToken).GetAwaiter().GetResult();
        }
    }

    internal static bool IsRetriable(int status) =>
        status is 408 or 429 || (status >= 500 && status <= 599 && status is not 501 and not 505);

    private static bool IsLostConnection(Exception exception, HttpMessage message) =>
        !message.CancellationToken.IsCancellationRequested
        && exception is RequestFailedException { Status: 0 } or OperationCanceledException or IOException;

    private TimeSpan Backoff(int retry)
    {
        var factor = Math.Pow(2, Math.Min(retry - 1, 30));
        var wait = TimeSpan.FromTicks((long)Math.Min(_baseDelay.Ticks * factor, _maxDelay.Ticks));
        return wait;
    }

    /// <summary>The wait the server asked for, or null when it did not say; an HTTP date is measured from <paramref name="clock"/>.</summary>
    internal static TimeSpan? ServerDelay(Response response, TimeProvider clock)
    {
        foreach (var header in new[] { "retry-after-ms", "x-ms-retry-after-ms" })
        {
            if (response.Headers.TryGetValue(header, out var ms)
                && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds >= 0)
            {
                return TimeSpan.FromMilliseconds(milliseconds);
            }
        }

        if (!response.Headers.TryGetValue("Retry-After", out var value) || string.IsNullOrWhiteSpace(value)) return null;
        value = value.Trim();
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return TimeSpan.FromSeconds(seconds);
        if (DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            var wait = date - clock.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        return null;
    }
}
