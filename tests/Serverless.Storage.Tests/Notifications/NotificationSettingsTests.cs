using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Storage.Configuration;
using Serverless.Storage.Notifications;
using Serverless.Storage.Notifications.Webhooks;

namespace Serverless.Storage.Tests.Notifications;

/// <summary>Webhook settings are checked at start-up: one clear error naming the setting, never showing a URL or key.</summary>
public sealed class NotificationSettingsTests
{
    private const string SecretUrl = "https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX";
    private const string Key = "0123456789abcdef0123456789abcdef-key";

    private static IConfiguration Configuration(params (string Key, string? Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();

    [Fact]
    public void Several_sinks_of_different_kinds_are_active_together()
    {
        var settings = NotificationSettings.FromConfiguration(Configuration(
            ("Serverless:Notifications:Webhooks:ops:Kind", "slack"),
            ("Serverless:Notifications:Webhooks:ops:Url", SecretUrl),
            ("Serverless:Notifications:Webhooks:planners:Kind", "Teams"),
            ("Serverless:Notifications:Webhooks:planners:Url", "https://prod-12.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=secret"),
            ("Serverless:Notifications:Webhooks:erp:Kind", "json"),
            ("Serverless:Notifications:Webhooks:erp:Url", "http://127.0.0.1:9000/hooks"),
            ("Serverless:Notifications:Webhooks:erp:SigningKey", Key),
            ("Serverless:Notifications:Webhooks:erp:TimeoutSeconds", "2.5"),
            ("Serverless:Notifications:LinkBaseUrl", "https://func-demo.azurewebsites.net")));

        Assert.Equal(["erp", "ops", "planners"], settings.Webhooks.Select(w => w.Name));
        Assert.Equal([WebhookKind.Json, WebhookKind.Slack, WebhookKind.Teams], settings.Webhooks.Select(w => w.Kind));
        Assert.Equal(TimeSpan.FromSeconds(2.5), settings.Webhooks[0].Timeout);
        Assert.Equal(WebhookSinkOptions.DefaultMaxAttempts, settings.Webhooks[1].MaxAttempts);
        Assert.Equal("https://func-demo.azurewebsites.net/", settings.LinkBaseUrl!.AbsoluteUri);
    }

    [Fact]
    public void No_webhooks_is_the_default()
    {
        Assert.Empty(NotificationSettings.FromConfiguration(Configuration()).Webhooks);
    }

    [Theory]
    [InlineData("http://hooks.example.com/services/T000/B000/XXXXSECRETXXXX", "Serverless:Notifications:Webhooks:ops:Url", "uses http://")]
    [InlineData("ftp://hooks.example.com/XXXXSECRETXXXX", "Serverless:Notifications:Webhooks:ops:Url", "not an absolute https:// URL")]
    [InlineData("hooks.example.com/XXXXSECRETXXXX", "Serverless:Notifications:Webhooks:ops:Url", "not an absolute https:// URL")]
    [InlineData("https://user:XXXXSECRETXXXX@hooks.example.com/x", "Serverless:Notifications:Webhooks:ops:Url", "user name or password")]
    [InlineData("@Microsoft.KeyVault(SecretUri=https://kv-x.vault.azure.net/secrets/XXXXSECRETXXXX)", "Serverless:Notifications:Webhooks:ops:Url", "Key Vault reference")]
    public void A_bad_url_is_one_error_naming_the_setting_without_the_value(string url, string setting, string reason)
    {
        var error = Assert.Throws<StorageConfigurationException>(() => NotificationSettings.FromConfiguration(Configuration(
            ("Serverless:Notifications:Webhooks:ops:Kind", "slack"), ("Serverless:Notifications:Webhooks:ops:Url", url))));

        Assert.Equal(setting, error.SettingName);
        Assert.Contains(reason, error.Message);
        Assert.DoesNotContain("XXXXSECRETXXXX", error.Message);
    }

    [Theory]
    [InlineData("http://127.0.0.1:9000/hook")]
    [InlineData("http://localhost:9000/hook")]
    [InlineData("http://[::1]:9000/hook")]
    public void Plain_http_is_allowed_for_a_receiver_on_this_machine(string url)
    {
        var settings = NotificationSettings.FromConfiguration(Configuration(
            ("Serverless:Notifications:Webhooks:local:Kind", "slack"), ("Serverless:Notifications:Webhooks:local:Url", url)));

        Assert.Equal(url, Assert.Single(settings.Webhooks).Url.OriginalString);
    }

    [Theory]
    [InlineData(null, "is missing")]
    [InlineData("short-key", "shorter than 32")]
    [InlineData("@Microsoft.KeyVault(VaultName=kv-x;SecretName=erp-key)", "Key Vault reference")]
    public void A_signed_sink_without_a_usable_key_is_refused(string? key, string reason)
    {
        var error = Assert.Throws<StorageConfigurationException>(() => NotificationSettings.FromConfiguration(Configuration(
            ("Serverless:Notifications:Webhooks:erp:Kind", "json"),
            ("Serverless:Notifications:Webhooks:erp:Url", "https://erp.example.com/hooks"),
            ("Serverless:Notifications:Webhooks:erp:SigningKey", key))));

        Assert.Equal("Serverless:Notifications:Webhooks:erp:SigningKey", error.SettingName);
        Assert.Contains(reason, error.Message);
        Assert.DoesNotContain("short-key", error.Message);
    }

    [Theory]
    [InlineData("Kind", "pager", "Serverless:Notifications:Webhooks:ops:Kind")]
    [InlineData("MaxAttempts", "50", "Serverless:Notifications:Webhooks:ops:MaxAttempts")]
    [InlineData("TimeoutSeconds", "soon", "Serverless:Notifications:Webhooks:ops:TimeoutSeconds")]
    [InlineData("SigningKey", Key, "Serverless:Notifications:Webhooks:ops:SigningKey")]
    public void Other_bad_fields_name_their_setting(string field, string value, string setting)
    {
        var values = new Dictionary<string, string?>
        {
            ["Serverless:Notifications:Webhooks:ops:Kind"] = "slack",
            ["Serverless:Notifications:Webhooks:ops:Url"] = SecretUrl,
            [$"Serverless:Notifications:Webhooks:ops:{field}"] = value,
        };
        var error = Assert.Throws<StorageConfigurationException>(() => NotificationSettings.FromConfiguration(Configuration(values.Select(p => (p.Key, p.Value)).ToArray())));

        Assert.Equal(setting, error.SettingName);
        Assert.DoesNotContain("XXXXSECRETXXXX", error.Message);
    }

    [Fact]
    public void Registering_storage_fails_at_once_on_a_bad_webhook_setting()
    {
        var configuration = Configuration(("Serverless:Notifications:Webhooks:ops:Kind", "slack"), ("Serverless:Notifications:Webhooks:ops:Url", "http://hooks.example.com/XXXXSECRETXXXX"));

        var error = Assert.Throws<StorageConfigurationException>(() => new ServiceCollection().AddServerlessStorage(configuration, "/srv/app"));

        Assert.Equal("Serverless:Notifications:Webhooks:ops:Url", error.SettingName);
    }

    [Fact]
    public void Registered_channels_hold_the_local_record_and_each_webhook()
    {
        var configuration = Configuration(
            (StorageSettingNames.Notifications, "log"),
            ("Serverless:Notifications:Webhooks:ops:Kind", "slack"), ("Serverless:Notifications:Webhooks:ops:Url", SecretUrl));
        using var services = new ServiceCollection().AddLogging().AddServerlessStorage(configuration, "/srv/app").BuildServiceProvider();

        var channels = services.GetRequiredService<NotificationChannels>();

        Assert.Equal(["log", "ops"], channels.Sinks.Select(s => s.Name));
        Assert.IsType<LogNotificationSink>(channels.Sinks[0].Sink);
        Assert.IsType<WebhookNotificationSink>(channels.Sinks[1].Sink);
    }
}
