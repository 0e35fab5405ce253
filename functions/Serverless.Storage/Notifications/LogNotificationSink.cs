using Microsoft.Extensions.Logging;

namespace Serverless.Storage.Notifications;

/// <summary>A sink that only logs: the choice in Azure until a mail or chat channel is wired in.</summary>
public sealed class LogNotificationSink(ILogger<LogNotificationSink> logger) : INotificationSink
{
    public Task SendAsync(Notification notification, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notification);
        NotificationLog.Sent(logger, notification);
        return Task.CompletedTask;
    }
}

internal static partial class NotificationLog
{
    public static void Sent(ILogger logger, Notification notification)
    {
        var level = notification.Severity switch
        {
            NotificationSeverity.Error => LogLevel.Error,
            NotificationSeverity.Warning => LogLevel.Warning,
            _ => LogLevel.Information,
        };
        Sent(logger, level, notification.Subject, notification.Body, string.Join(", ", notification.Links.Select(l => $"{l.Title}: {l.Url}")));
    }

    [LoggerMessage(EventId = 4100, Message = "Notification: {Subject}. {Body} Links: {Links}")]
    private static partial void Sent(ILogger logger, LogLevel level, string subject, string body, string links);
}
