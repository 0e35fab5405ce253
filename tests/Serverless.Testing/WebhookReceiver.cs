using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Serverless.Testing;

/// <summary>One answer a <see cref="WebhookReceiver"/> gives: a status, an optional Retry-After, or no answer at all.</summary>
public sealed record WebhookAnswer(int Status, int? RetryAfterSeconds = null, bool Hang = false)
{
    public static readonly WebhookAnswer Ok = new(200);
}

/// <summary>A request as the receiver saw it, with whether its signature checked out and what it answered.</summary>
public sealed record ReceivedWebhook(DateTimeOffset At, string Path, string Body, string? NotificationId, string? Timestamp, string? Signature,
    bool? SignatureValid, int Answer);

/// <summary>
/// A webhook receiver on 127.0.0.1 for tests: answers each request with the next scripted <see cref="WebhookAnswer"/>
/// (then 200), records every request, and, given a key, verifies the HMAC-SHA256 signature over "{timestamp}.{body}"
/// itself (answering 401 to a bad one), as a real receiver would.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<WebhookAnswer> _script = new();
    private readonly List<ReceivedWebhook> _requests = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly string? _key;
    private readonly SemaphoreSlim _arrived = new(0);

    public WebhookReceiver(string? signingKey = null, params WebhookAnswer[] script)
    {
        _key = signingKey;
        foreach (var answer in script) _script.Enqueue(answer);
        var port = FreePort();
        // The path stands for the secret part of a Slack or Teams webhook URL.
        Url = new Uri($"http://127.0.0.1:{port}/hooks/T0001/B0002/{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}");
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public Uri Url { get; }

    public IReadOnlyList<ReceivedWebhook> Requests
    {
        get
        {
            lock (_requests) return _requests.ToList();
        }
    }

    /// <summary>Requests answered 2xx, one per notification id (repeats dropped, as a receiver would).</summary>
    public IReadOnlyList<ReceivedWebhook> Accepted => Requests.Where(r => r.Answer is >= 200 and < 300)
        .GroupBy(r => r.NotificationId ?? r.Body).Select(g => g.First()).ToList();

    public void Enqueue(params WebhookAnswer[] answers)
    {
        foreach (var answer in answers) _script.Enqueue(answer);
    }

    /// <summary>Waits until <paramref name="count"/> requests have arrived, or fails after <paramref name="timeout"/>.</summary>
    public async Task WaitForRequestsAsync(int count, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (Requests.Count < count)
        {
            try
            {
                await _arrived.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{Requests.Count} of {count} webhook requests arrived within {timeout.TotalSeconds} s.");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or OperationCanceledException)
        {
        }
        _listener.Close();
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var timestamp = context.Request.Headers["X-Serverless-Timestamp"];
        var signature = context.Request.Headers["X-Serverless-Signature"];
        bool? valid = _key is null ? null : Verify(_key, timestamp, signature, body);
        var answer = valid == false ? new WebhookAnswer(401) : _script.TryDequeue(out var next) ? next : WebhookAnswer.Ok;
        lock (_requests)
        {
            _requests.Add(new ReceivedWebhook(DateTimeOffset.UtcNow, context.Request.Url!.AbsolutePath, body,
                context.Request.Headers["X-Serverless-Notification-Id"], timestamp, signature, valid, answer.Hang ? 0 : answer.Status));
        }
        _arrived.Release();
        try
        {
            if (answer.Hang)
            {
                // No answer until the test ends: the sender must cut the attempt off itself.
                await Task.Delay(Timeout.Infinite, _stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            context.Response.StatusCode = answer.Status;
            if (answer.RetryAfterSeconds is { } seconds) context.Response.Headers["Retry-After"] = seconds.ToString(CultureInfo.InvariantCulture);
            context.Response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
            // The sender gave up (timeout) or the receiver is stopping.
        }
    }

    /// <summary>A receiver's own check: HMAC-SHA256 over "{timestamp}.{body}", compared in constant time, timestamp within 5 minutes.</summary>
    public static bool Verify(string key, string? timestamp, string? signature, string body)
    {
        if (timestamp is null || signature is null || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return false;
        if (Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - seconds) > 300) return false;
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature));
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
