using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using Serverless.Hosting.LocalHost;
using Serverless.Hosting.Telemetry;
using Serverless.Storage.Configuration;

namespace Serverless.Hosting.Tests;

/// <summary>Trace and metric export is chosen by configuration; a malformed endpoint or webhook stops the start with one error naming the setting.</summary>
public sealed class TelemetryTests
{
    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();

    [Fact]
    public void The_cli_exports_nothing_by_default_and_the_host_exports_over_otlp_without_the_console()
    {
        var cli = TelemetrySettings.FromConfiguration(Configuration(), otlpByDefault: false);
        var host = TelemetrySettings.FromConfiguration(Configuration(), otlpByDefault: true);

        Assert.False(cli.Exports);
        Assert.True(host.Otlp);
        Assert.False(host.Console);
    }

    [Fact]
    public void An_endpoint_turns_otlp_on_and_the_console_is_one_switch()
    {
        var settings = TelemetrySettings.FromConfiguration(Configuration(
            (TelemetrySettingNames.OtlpEndpoint, "http://localhost:4318"), (TelemetrySettingNames.OtlpProtocol, "http/protobuf"),
            (TelemetrySettingNames.Console, "true")), otlpByDefault: false);

        Assert.Equal((true, true, true), (settings.Otlp, settings.OtlpHttp, settings.Console));
        Assert.Equal("http://localhost:4318/", settings.OtlpEndpoint!.AbsoluteUri);
        Assert.False(TelemetrySettings.FromConfiguration(Configuration((TelemetrySettingNames.OtlpEnabled, "false")), otlpByDefault: true).Exports);
    }

    [Theory]
    [InlineData(TelemetrySettingNames.OtlpEndpoint, "localhost:4317")]
    [InlineData(TelemetrySettingNames.OtlpEndpoint, "grpc://collector:4317")]
    [InlineData(TelemetrySettingNames.OtlpEndpoint, "http://")]
    [InlineData(TelemetrySettingNames.OtlpProtocol, "udp")]
    [InlineData(TelemetrySettingNames.Console, "yes")]
    public void A_malformed_setting_is_one_error_naming_it(string key, string value)
    {
        var error = Assert.Throws<TelemetryConfigurationException>(() => TelemetrySettings.FromConfiguration(Configuration((key, value)), otlpByDefault: true));

        Assert.Equal(key, error.SettingName);
        Assert.StartsWith(key + ": ", error.Message);
    }

    [Fact]
    public void Exporting_registers_the_providers_and_not_exporting_registers_none()
    {
        var on = new ServiceCollection().AddLogging().AddServerlessTelemetry(Configuration((TelemetrySettingNames.Console, "true")), otlpByDefault: false);
        var off = new ServiceCollection().AddLogging().AddServerlessTelemetry(Configuration(), otlpByDefault: false);
        using var onProvider = on.BuildServiceProvider();
        using var offProvider = off.BuildServiceProvider();

        Assert.NotNull(onProvider.GetService<TracerProvider>());
        Assert.Null(offProvider.GetService<TracerProvider>());
    }

    [Theory]
    [InlineData("Serverless:Telemetry:Otlp:Endpoint", "not a url")]
    [InlineData("Serverless:Notifications:Webhooks:ops:Url", "http://hooks.example.com/T/B/SECRET")]
    public void A_host_with_a_bad_setting_does_not_start_and_names_it(string key, string value)
    {
        var folder = TestHost.CreateFolder();
        try
        {
            var options = new LocalHostOptions { BaseDirectory = folder, Port = 0, EnableSchedules = false, KeyOutput = TextWriter.Null };
            options.Settings["Serverless:Notifications:Webhooks:ops:Kind"] = "slack";
            options.Settings["Serverless:Notifications:Webhooks:ops:Url"] = "https://hooks.example.com/T/B/SECRET";
            options.Settings[key] = value;

            var error = Assert.ThrowsAny<Exception>(() => ServerlessLocalHost.Create(options));

            Assert.Contains(key, error.Message);
            Assert.DoesNotContain("SECRET", error.Message);
            Assert.True(error is TelemetryConfigurationException or StorageConfigurationException, error.GetType().Name);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
