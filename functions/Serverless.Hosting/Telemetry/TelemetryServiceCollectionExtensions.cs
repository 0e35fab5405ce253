using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Serverless.Hosting.Telemetry;

public static class TelemetryServiceCollectionExtensions
{
    /// <summary>
    /// Exports the engines' and the application's traces and metrics as <see cref="TelemetrySettingNames"/> say: OTLP
    /// to a collector and/or the console. Settings are read now, so a malformed endpoint stops the start with one error
    /// naming it. Nothing is registered when nothing is exported (the ActivitySources then cost next to nothing).
    /// </summary>
    /// <param name="otlpByDefault">True in <c>serverless host</c>, false in the CLI's other commands.</param>
    public static IServiceCollection AddServerlessTelemetry(this IServiceCollection services, IConfiguration configuration, bool otlpByDefault)
    {
        ArgumentNullException.ThrowIfNull(services);
        var settings = TelemetrySettings.FromConfiguration(configuration, otlpByDefault);
        services.AddSingleton(settings);
        if (!settings.Exports) return services;

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(settings.ServiceName, serviceVersion: Workflows.Forecasting.ForecastArtifacts.CodeVersion))
            .WithTracing(tracing =>
            {
                tracing.AddSource([.. TelemetrySources.EngineSources, .. TelemetrySources.ApplicationSources]);
                if (settings.Console) tracing.AddConsoleExporter();
                if (settings.Otlp) tracing.AddOtlpExporter(o => Configure(o, settings, "v1/traces"));
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter([.. TelemetrySources.EngineMeters, .. TelemetrySources.ApplicationMeters]);
                if (settings.Console) metrics.AddConsoleExporter();
                if (settings.Otlp) metrics.AddOtlpExporter(o => Configure(o, settings, "v1/metrics"));
            });
        return services;
    }

    private static void Configure(OtlpExporterOptions options, TelemetrySettings settings, string signalPath)
    {
        options.Protocol = settings.OtlpHttp ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        if (settings.OtlpEndpoint is not { } endpoint) return;
        // Over http/protobuf an endpoint set in code is used as given: the signal's path is added here, as the
        // OTEL_EXPORTER_OTLP_ENDPOINT variable would have it.
        options.Endpoint = settings.OtlpHttp ? new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/" + signalPath) : endpoint;
    }
}
