using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Serverless.Storage.Notifications.Webhooks;

/// <summary>
/// Turns a notification into the body each kind of receiver takes. Messages stay short: the subject, the body cut
/// to <see cref="MaxBodyCharacters"/>, and the links that lead somewhere (absolute, or app paths made absolute with
/// the link base); blob paths and other references stay in the JSON-lines record and the run's report.
/// </summary>
public static class WebhookMessages
{
    public const int MaxBodyCharacters = 1_500;
    public const int MaxLinks = 5;

    public static byte[] Create(WebhookKind kind, Notification notification, Uri? linkBase, DateTimeOffset createdAt) => kind switch
    {
        WebhookKind.Slack => Slack(notification, linkBase),
        WebhookKind.Teams => Teams(notification, linkBase),
        WebhookKind.Json => Json(notification, linkBase, createdAt),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The links a person can open: absolute http(s) URLs, and app paths (<c>/...</c>) when a link base is set.</summary>
    public static IReadOnlyList<(string Title, Uri Url)> OpenableLinks(Notification notification, Uri? linkBase)
    {
        var links = new List<(string, Uri)>();
        foreach (var link in notification.Links)
        {
            if (Uri.TryCreate(link.Url, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
            {
                links.Add((link.Title, absolute));
            }
            else if (linkBase is not null && link.Url.StartsWith('/') && Uri.TryCreate(linkBase, link.Url, out var resolved))
            {
                links.Add((link.Title, resolved));
            }
            if (links.Count == MaxLinks) break;
        }
        return links;
    }

    private static byte[] Slack(Notification notification, Uri? linkBase)
    {
        var text = new StringBuilder();
        text.Append(Icon(notification.Severity)).Append(" *").Append(SlackEscape(notification.Subject)).Append("*\n")
            .Append(SlackEscape(Short(notification.Body)));
        var links = OpenableLinks(notification, linkBase);
        if (links.Count > 0)
        {
            text.Append('\n').Append(string.Join(" | ", links.Select(l => $"<{l.Url.AbsoluteUri}|{SlackEscape(l.Title)}>")));
        }
        text.Append("\n_notification ").Append(notification.EffectiveId).Append('_');
        return JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["text"] = text.ToString() });
    }

    private static byte[] Teams(Notification notification, Uri? linkBase)
    {
        var body = new JsonArray
        {
            new JsonObject { ["type"] = "TextBlock", ["text"] = $"{Icon(notification.Severity)} {notification.Subject}", ["weight"] = "Bolder", ["size"] = "Medium", ["wrap"] = true },
            new JsonObject { ["type"] = "TextBlock", ["text"] = Short(notification.Body), ["wrap"] = true },
            new JsonObject { ["type"] = "TextBlock", ["text"] = $"notification {notification.EffectiveId}", ["isSubtle"] = true, ["size"] = "Small", ["wrap"] = true },
        };
        var actions = new JsonArray();
        foreach (var (title, url) in OpenableLinks(notification, linkBase))
        {
            actions.Add(new JsonObject { ["type"] = "Action.OpenUrl", ["title"] = title, ["url"] = url.AbsoluteUri });
        }
        var card = new JsonObject
        {
            ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
            ["type"] = "AdaptiveCard",
            ["version"] = "1.4",
            ["body"] = body,
        };
        if (actions.Count > 0) card["actions"] = actions;
        var message = new JsonObject
        {
            ["type"] = "message",
            ["attachments"] = new JsonArray { new JsonObject { ["contentType"] = "application/vnd.microsoft.card.adaptive", ["contentUrl"] = null, ["content"] = card } },
        };
        return JsonSerializer.SerializeToUtf8Bytes(message);
    }

    private static byte[] Json(Notification notification, Uri? linkBase, DateTimeOffset createdAt)
    {
        var links = new JsonArray();
        foreach (var link in notification.Links)
        {
            var url = linkBase is not null && link.Url.StartsWith('/') && Uri.TryCreate(linkBase, link.Url, out var resolved) ? resolved.AbsoluteUri : link.Url;
            links.Add(new JsonObject { ["title"] = link.Title, ["url"] = url });
        }
        return JsonSerializer.SerializeToUtf8Bytes(new JsonObject
        {
            ["id"] = notification.EffectiveId,
            ["subject"] = notification.Subject,
            ["body"] = notification.Body,
            ["severity"] = notification.Severity.ToString().ToLowerInvariant(),
            ["links"] = links,
            ["createdAt"] = createdAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    private static string Short(string text) => text.Length <= MaxBodyCharacters ? text : text[..(MaxBodyCharacters - 1)] + "…";

    private static string Icon(NotificationSeverity severity) => severity switch
    {
        NotificationSeverity.Error => "🔴",
        NotificationSeverity.Warning => "🟠",
        _ => "🟢",
    };

    // Slack's markup reserves these three characters.
    private static string SlackEscape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
