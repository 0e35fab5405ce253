using System.Security.Cryptography;
using System.Text;

namespace Serverless.Storage.Notifications;

public enum NotificationSeverity
{
    Info,
    Warning,
    Error,
}

/// <summary>A link in a notification, e.g. to the review page or a run's status.</summary>
/// <param name="Url">An absolute URL, a path on the app (<c>/review.html?...</c>), or a blob path for reference.</param>
public sealed record NotificationLink(string Title, string Url);

/// <summary>One notification: a subject line, a plain-text body, how serious it is and where to look.</summary>
public sealed record Notification(string Subject, string Body, NotificationSeverity Severity, IReadOnlyList<NotificationLink> Links)
{
    public Notification(string subject, string body, NotificationSeverity severity = NotificationSeverity.Info)
        : this(subject, body, severity, [])
    {
    }

    /// <summary>
    /// Identifies the notification to receivers, the same on every delivery of it (a retry, a re-run activity), so a
    /// receiver can drop repeats. Null: <see cref="EffectiveId"/> derives one from the content.
    /// </summary>
    public string? Id { get; init; }

    /// <summary><see cref="Id"/>, or a hash of subject, body and links: repeats of the same message get the same id.</summary>
    public string EffectiveId => Id ?? ContentId(Subject, Body, Links);

    /// <summary>A stable id from the content (32 hex characters).</summary>
    public static string ContentId(string subject, string body, IEnumerable<NotificationLink> links)
    {
        var text = new StringBuilder(subject).Append('\n').Append(body);
        foreach (var link in links) text.Append('\n').Append(link.Title).Append(' ').Append(link.Url);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..32];
    }
}

/// <summary>A notification as one line of the JSON Lines file, with the time it was sent.</summary>
public sealed record NotificationRecord(DateTimeOffset SentAt, string Subject, string Body, NotificationSeverity Severity, IReadOnlyList<NotificationLink> Links,
    string? Id = null);
