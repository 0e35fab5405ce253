namespace Serverless.Storage.Notifications;

public enum NotificationSeverity
{
    Info,
    Warning,
    Error,
}

/// <summary>A link in a notification, e.g. to the approval endpoint or a report.</summary>
public sealed record NotificationLink(string Title, string Url);

/// <summary>One notification: a subject line, a plain-text body, how serious it is and where to look.</summary>
public sealed record Notification(string Subject, string Body, NotificationSeverity Severity, IReadOnlyList<NotificationLink> Links)
{
    public Notification(string subject, string body, NotificationSeverity severity = NotificationSeverity.Info)
        : this(subject, body, severity, [])
    {
    }
}

/// <summary>A notification as one line of the JSON Lines file, with the time it was sent.</summary>
public sealed record NotificationRecord(DateTimeOffset SentAt, string Subject, string Body, NotificationSeverity Severity, IReadOnlyList<NotificationLink> Links);
