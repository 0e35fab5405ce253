using Microsoft.Extensions.Configuration;

namespace Serverless.Hosting.Telemetry;

/// <summary>The configuration keys of trace and metric export on one machine (environment: <c>Serverless__Telemetry__Otlp__Endpoint</c>, ...).</summary>
public static class TelemetrySettingNames
{
    /// <summary>true | false: export over OTLP. Default: on in <c>serverless host</c>, off in the other CLI commands; an endpoint turns it on.</summary>
    public const string OtlpEnabled = "Serverless:Telemetry:Otlp:Enabled";

    /// <summary>The collector, e.g. <c>http://localhost:4317</c> (gRPC) or <c>http://localhost:4318</c> (http/protobuf). Default: OTEL_EXPORTER_OTLP_ENDPOINT, else localhost:4317.</summary>
    public const string OtlpEndpoint = "Serverless:Telemetry:Otlp:Endpoint";

    /// <summary><c>grpc</c> (default) | <c>http/protobuf</c>.</summary>
    public const string OtlpProtocol = "Serverless:Telemetry:Otlp:Protocol";

    /// <summary>true | false (default): spans and metrics printed to standard output.</summary>
    public const string Console = "Serverless:Telemetry:Console";

    /// <summary>The service name traces carry (default <c>serverless</c>).</summary>
    public const string ServiceName = "Serverless:Telemetry:ServiceName";

    /// <summary>OpenTelemetry's own variable, honoured (and checked) when <see cref="OtlpEndpoint"/> is not set.</summary>
    public const string OtelEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";
}

/// <summary>A telemetry setting is malformed; the message names it.</summary>
public sealed class TelemetryConfigurationException(string settingName, string message) : Exception($"{settingName}: {message}")
{
    public string SettingName { get; } = settingName;
}

/// <summary>Where traces and metrics go on one machine, read and checked at start-up.</summary>
public sealed record TelemetrySettings(bool Otlp, Uri? OtlpEndpoint, bool OtlpHttp, bool Console, string ServiceName)
{
    public bool Exports => Otlp || Console;

    /// <param name="otlpByDefault">True in <c>serverless host</c>, false in the CLI's other commands.</param>
    public static TelemetrySettings FromConfiguration(IConfiguration configuration, bool otlpByDefault)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var endpoint = Endpoint(configuration[TelemetrySettingNames.OtlpEndpoint], TelemetrySettingNames.OtlpEndpoint)
            ?? Endpoint(Environment.GetEnvironmentVariable(TelemetrySettingNames.OtelEndpointVariable), TelemetrySettingNames.OtelEndpointVariable);
        var otlp = Bool(configuration, TelemetrySettingNames.OtlpEnabled) ?? (otlpByDefault || configuration[TelemetrySettingNames.OtlpEndpoint] is { Length: > 0 });
        var protocol = configuration[TelemetrySettingNames.OtlpProtocol]?.Trim();
        var http = protocol switch
        {
            null or "" or "grpc" => false,
            "http/protobuf" => true,
            _ => throw new TelemetryConfigurationException(TelemetrySettingNames.OtlpProtocol, $"'{protocol}' is not an OTLP protocol: grpc or http/protobuf."),
        };
        var service = configuration[TelemetrySettingNames.ServiceName] is { Length: > 0 } name ? name.Trim() : "serverless";
        return new TelemetrySettings(otlp, endpoint, http, Bool(configuration, TelemetrySettingNames.Console) ?? false, service);
    }

    private static Uri? Endpoint(string? text, string setting)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Host.Length == 0
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            throw new TelemetryConfigurationException(setting,
                $"'{text}' is not an OTLP endpoint: an http(s) URL of the collector such as http://localhost:4317 (grpc) or http://localhost:4318 (http/protobuf).");
        }
        return uri;
    }

    private static bool? Bool(IConfiguration configuration, string key)
    {
        var text = configuration[key];
        if (string.IsNullOrWhiteSpace(text)) return null;
        return bool.TryParse(text.Trim(), out var value) ? value
            : throw new TelemetryConfigurationException(key, $"'{text}' is not true or false.");
    }
}
