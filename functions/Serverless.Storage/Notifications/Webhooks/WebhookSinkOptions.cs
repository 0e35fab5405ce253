namespace Serverless.Storage.Notifications.Webhooks;

/// <summary>What a webhook receiver understands.</summary>
public enum WebhookKind
{
    /// <summary>A Slack incoming webhook: <c>{"text": ...}</c> with Slack's link markup.</summary>
    Slack,

    /// <summary>A Microsoft Teams workflow ("When a Teams webhook request is received"): a message with an Adaptive Card.</summary>
    Teams,

    /// <summary>Any receiver: the notification as JSON, signed with HMAC-SHA256 over the timestamp and the body.</summary>
    Json,
}

/// <summary>
/// One webhook sink as configured (<c>Serverless:Notifications:Webhooks:{Name}</c>). <see cref="ToString"/> shows the
/// name and kind only: the URL and the signing key are secrets and never reach logs, status or errors.
/// </summary>
/// <param name="Timeout">How long one attempt may take before it is cut off (a receiver that hangs).</param>
/// <param name="MaxAttempts">Attempts in all, for server errors (5xx), throttling (429), timeouts and lost connections.</param>
/// <param name="RetryDelay">The first back-off; it doubles per attempt (with jitter) unless the receiver sends Retry-After.</param>
/// <param name="MaxRetryAfter">The longest Retry-After honoured; a receiver asking for more gets no further attempt.</param>
public sealed record WebhookSinkOptions(
    string Name,
    WebhookKind Kind,
    Uri Url,
    string? SigningKey,
    TimeSpan Timeout,
    int MaxAttempts,
    TimeSpan RetryDelay,
    TimeSpan MaxRetryAfter)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultRetryDelay = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan DefaultMaxRetryAfter = TimeSpan.FromSeconds(60);
    public const int DefaultMaxAttempts = 5;

    public override string ToString() => $"webhook '{Name}' ({Kind.ToString().ToLowerInvariant()})";
}
