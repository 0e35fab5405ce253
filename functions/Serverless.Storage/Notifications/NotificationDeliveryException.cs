namespace Serverless.Storage.Notifications;

/// <summary>
/// A sink could not deliver a notification. The message names the sink and what went wrong (a status code, a
/// timeout, a refused connection) and never a URL or key.
/// </summary>
public sealed class NotificationDeliveryException(string sink, int attempts, string reason)
    : Exception($"Notification not delivered to {sink}: {reason}")
{
    public string Sink { get; } = sink;

    public int Attempts { get; } = attempts;

    public string Reason { get; } = reason;
}
