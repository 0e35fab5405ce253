using Serverless.Durable.Embedded;
using Serverless.Storage.Notifications;
using Serverless.Workflows.Telemetry;

namespace Serverless.Hosting.Telemetry;

/// <summary>Which activity sources and meters each host exports.</summary>
public static class TelemetrySources
{
    /// <summary>The application's own spans (webhook deliveries), wherever the workflows run.</summary>
    public static readonly IReadOnlyList<string> ApplicationSources = [NotificationTelemetry.SourceName];

    /// <summary>The application's own metrics (run quality, the experiments' apply lag).</summary>
    public static readonly IReadOnlyList<string> ApplicationMeters = [WorkflowMetrics.MeterName];

    /// <summary>
    /// The engines' spans: the embedded engine's, and the real Durable Task runtime's own (DurableTask.Core on the Azure
    /// Storage provider, Microsoft.DurableTask's shims), under which the application's spans nest when it runs there.
    /// </summary>
    public static readonly IReadOnlyList<string> EngineSources = [EmbeddedEngineTelemetry.SourceName, "DurableTask.Core", "Microsoft.DurableTask"];

    public static readonly IReadOnlyList<string> EngineMeters = [EmbeddedEngineTelemetry.MeterName];
}
