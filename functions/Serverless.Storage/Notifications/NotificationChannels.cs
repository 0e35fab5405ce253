namespace Serverless.Storage.Notifications;

/// <summary>One sink's answer for one notification.</summary>
/// <param name="Error">Why it was not delivered (never a URL or key); null when it was.</param>
public sealed record NotificationChannelResult(string Channel, bool Delivered, int Attempts, string? Error = null);

/// <summary>What became of one notification on every configured sink.</summary>
public sealed record NotificationDelivery(string NotificationId, IReadOnlyList<NotificationChannelResult> Channels)
{
    public bool Delivered => Channels.All(c => c.Delivered);

    public IEnumerable<NotificationChannelResult> Failures => Channels.Where(c => !c.Delivered);
}

/// <summary>
/// Every sink configured, sent to together: the local record (a JSON-lines file or the log) and each webhook. A sink
/// that fails does not stop the others, and nothing is thrown: the caller gets a <see cref="NotificationDelivery"/> to
/// record, because a failed notification must never fail the work it reports on.
/// </summary>
public sealed class NotificationChannels(IReadOnlyList<(string Name, INotificationSink Sink)> sinks) : IDisposable
{
    public IReadOnlyList<(string Name, INotificationSink Sink)> Sinks { get; } = sinks ?? throw new ArgumentNullException(nameof(sinks));

    public async Task<NotificationDelivery> SendAsync(Notification notification, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notification);
        // Fix the id once, so every sink (and every re-delivery of the same content) carries the same one.
        var identified = notification.Id is null ? notification with { Id = notification.EffectiveId } : notification;
        var results = await Task.WhenAll(Sinks.Select(s => SendOneAsync(s.Name, s.Sink, identified, cancellationToken))).ConfigureAwait(false);
        return new NotificationDelivery(identified.EffectiveId, results);
    }

    /// <summary>The local record sink under its channel name (<c>file</c> or <c>log</c>) and a sink per configured webhook.</summary>
    public static NotificationChannels Create(INotificationSink local, NotificationSettings settings, Microsoft.Extensions.Logging.ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(settings);
        var sinks = new List<(string, INotificationSink)> { (local is LogNotificationSink ? "log" : "file", local) };
        foreach (var webhook in settings.Webhooks)
        {
            var logger = loggerFactory is null ? null : Microsoft.Extensions.Logging.LoggerFactoryExtensions.CreateLogger<Webhooks.WebhookNotificationSink>(loggerFactory);
            sinks.Add((webhook.Name, new Webhooks.WebhookNotificationSink(webhook, settings.LinkBaseUrl, logger, timeProvider)));
        }
        return new NotificationChannels(sinks);
    }

    public void Dispose()
    {
        foreach (var (_, sink) in Sinks) (sink as Webhooks.WebhookNotificationSink)?.Dispose();
    }

    private static async Task<NotificationChannelResult> SendOneAsync(string name, INotificationSink sink, Notification notification, CancellationToken cancellationToken)
    {
        try
        {
            if (sink is Webhooks.WebhookNotificationSink webhook)
            {
                return new NotificationChannelResult(name, true, await webhook.DeliverAsync(notification, cancellationToken).ConfigureAwait(false));
            }
            await sink.SendAsync(notification, cancellationToken).ConfigureAwait(false);
            return new NotificationChannelResult(name, true, 1);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (NotificationDeliveryException ex)
        {
            return new NotificationChannelResult(name, false, ex.Attempts, ex.Reason);
        }
        catch (Exception ex) when (sink is not Webhooks.WebhookNotificationSink)
        {
            // The local record (a file): its message names a path on this machine, no secret.
            return new NotificationChannelResult(name, false, 1, $"{ex.GetType().Name}: {ex.Message}");
        }
        catch (Exception ex)
        {
            return new NotificationChannelResult(name, false, 1, ex.GetType().Name);
        }
    }
}
