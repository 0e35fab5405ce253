using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;
using Serverless.Storage.Configuration;
using Serverless.Storage.Notifications.Webhooks;

namespace Serverless.Storage.Notifications;

/// <summary>The configuration keys of the webhook sinks (environment: <c>Serverless__Notifications__Webhooks__ops__Url</c>, ...).</summary>
public static class NotificationSettingNames
{
    /// <summary>One section per webhook sink, named by its key: <c>Serverless:Notifications:Webhooks:{name}:Kind|Url|SigningKey|...</c>.</summary>
    public const string Webhooks = "Serverless:Notifications:Webhooks";

    /// <summary>
    /// The app's public address (<c>https://func-xyz.azurewebsites.net</c>, <c>http://127.0.0.1:7071</c>): links such as
    /// <c>/review.html?instance=...</c> become absolute with it. Default: <c>https://{WEBSITE_HOSTNAME}</c> on Azure, the host's
    /// own address in <c>serverless host</c>; otherwise links stay paths, and chat messages leave them out.
    /// </summary>
    public const string LinkBaseUrl = "Serverless:Notifications:LinkBaseUrl";

    public static string Of(string sink, string field) => $"{Webhooks}:{sink}:{field}";
}

/// <summary>
/// The webhook sinks configured, read and checked at start-up. A bad setting is a <see cref="StorageConfigurationException"/>
/// that names the setting and never shows a URL or key: webhook URLs carry their own secret (Slack's and Teams' do).
/// </summary>
public sealed record NotificationSettings(IReadOnlyList<WebhookSinkOptions> Webhooks, Uri? LinkBaseUrl)
{
    public static readonly NotificationSettings None = new([], null);

    private const int MinimumKeyLength = 32;

    public static NotificationSettings FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        Uri? linkBase = null;
        if (Optional(configuration, NotificationSettingNames.LinkBaseUrl) is { } baseText)
        {
            if (!Uri.TryCreate(baseText, UriKind.Absolute, out linkBase) || (linkBase.Scheme != Uri.UriSchemeHttps && linkBase.Scheme != Uri.UriSchemeHttp))
            {
                throw new StorageConfigurationException(NotificationSettingNames.LinkBaseUrl, $"'{baseText}' is not an absolute http(s) URL such as https://func-name.azurewebsites.net.");
            }
        }
        // On App Service and Azure Functions the platform names the app's own host.
        if (linkBase is null && Optional(configuration, "WEBSITE_HOSTNAME") is { } siteHost && Uri.TryCreate($"https://{siteHost}", UriKind.Absolute, out var site))
        {
            linkBase = site;
        }
        var sinks = configuration.GetSection(NotificationSettingNames.Webhooks).GetChildren()
            .Where(section => section.Value is not null || section.GetChildren().Any())
            .Select(ParseSink)
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .ToList();
        return new NotificationSettings(sinks, linkBase);
    }

    private static WebhookSinkOptions ParseSink(IConfigurationSection section)
    {
        var name = section.Key;
        if (name.Length is 0 or > 40 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new StorageConfigurationException($"{NotificationSettingNames.Webhooks}:{name}",
                "a webhook sink's name is 1-40 letters, digits, '-' or '_' (it names the sink in logs and status, in place of its URL).");
        }
        var kindSetting = NotificationSettingNames.Of(name, "Kind");
        var kind = Optional(section, "Kind") switch
        {
            null => throw new StorageConfigurationException(kindSetting, "is missing: slack, teams or json."),
            var k when k.Equals("slack", StringComparison.OrdinalIgnoreCase) => WebhookKind.Slack,
            var k when k.Equals("teams", StringComparison.OrdinalIgnoreCase) => WebhookKind.Teams,
            var k when k.Equals("json", StringComparison.OrdinalIgnoreCase) => WebhookKind.Json,
            var k => throw new StorageConfigurationException(kindSetting, $"'{k}' is not a webhook kind: slack, teams or json."),
        };

        var url = ParseUrl(Optional(section, "Url"), NotificationSettingNames.Of(name, "Url"));

        var keySetting = NotificationSettingNames.Of(name, "SigningKey");
        var key = Optional(section, "SigningKey");
        if (kind == WebhookKind.Json)
        {
            if (key is null)
            {
                throw new StorageConfigurationException(keySetting, "is missing: a json webhook is signed (HMAC-SHA256), so its receiver can tell it from a forgery. " +
                    $"Set a random key of at least {MinimumKeyLength} characters, shared with the receiver (in Azure, a Key Vault reference).");
            }
            RefuseUnresolvedReference(key, keySetting);
            if (key.Length < MinimumKeyLength)
            {
                throw new StorageConfigurationException(keySetting, $"is shorter than {MinimumKeyLength} characters (the key is not shown).");
            }
        }
        else if (key is not null)
        {
            throw new StorageConfigurationException(keySetting, $"is set, but a {kind.ToString().ToLowerInvariant()} webhook is not signed: its URL is its secret. Remove the key, or use Kind json.");
        }

        var timeout = Seconds(section, name, "TimeoutSeconds", WebhookSinkOptions.DefaultTimeout, 0.05, 120);
        var retryDelay = Seconds(section, name, "RetryDelaySeconds", WebhookSinkOptions.DefaultRetryDelay, 0, 60);
        var maxRetryAfter = Seconds(section, name, "MaxRetryAfterSeconds", WebhookSinkOptions.DefaultMaxRetryAfter, 0, 600);
        var attemptsSetting = NotificationSettingNames.Of(name, "MaxAttempts");
        var attempts = WebhookSinkOptions.DefaultMaxAttempts;
        if (Optional(section, "MaxAttempts") is { } attemptsText
            && (!int.TryParse(attemptsText, NumberStyles.None, CultureInfo.InvariantCulture, out attempts) || attempts is < 1 or > 10))
        {
            throw new StorageConfigurationException(attemptsSetting, $"'{attemptsText}' is not a number of attempts from 1 to 10.");
        }
        return new WebhookSinkOptions(name, kind, url, key, timeout, attempts, retryDelay, maxRetryAfter);
    }

    private static Uri ParseUrl(string? text, string setting)
    {
        if (text is null) throw new StorageConfigurationException(setting, "is missing: the webhook's https:// URL.");
        RefuseUnresolvedReference(text, setting);
        // The value is never shown: Slack and Teams webhook URLs are their own secret.
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            throw new StorageConfigurationException(setting, "is not an absolute https:// URL (the value is not shown: a webhook URL is a secret).");
        }
        if (url.Scheme == Uri.UriSchemeHttp && !IsLoopback(url))
        {
            throw new StorageConfigurationException(setting, "uses http://; a webhook URL must be https:// (http is allowed only for a receiver on this machine, 127.0.0.1 or localhost).");
        }
        if (!string.IsNullOrEmpty(url.UserInfo))
        {
            throw new StorageConfigurationException(setting, "carries a user name or password; put the secret in the URL's path or use a signed json webhook.");
        }
        return url;
    }

    /// <summary>App Service leaves a Key Vault reference it cannot resolve as the literal text.</summary>
    private static void RefuseUnresolvedReference(string value, string setting)
    {
        if (value.StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase))
        {
            throw new StorageConfigurationException(setting,
                "is a Key Vault reference the platform could not resolve: check that the secret exists and that the app's identity may read it (Key Vault Secrets User).");
        }
    }

    internal static bool IsLoopback(Uri url) =>
        url.IsLoopback || (IPAddress.TryParse(url.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    private static TimeSpan Seconds(IConfiguration section, string sink, string field, TimeSpan fallback, double min, double max)
    {
        if (Optional(section, field) is not { } text) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds < min || seconds > max)
        {
            throw new StorageConfigurationException(NotificationSettingNames.Of(sink, field), $"'{text}' is not a number of seconds from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}.");
        }
        return TimeSpan.FromSeconds(seconds);
    }

    private static string? Optional(IConfiguration configuration, string key)
    {
        var value = configuration[key];
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }
}
