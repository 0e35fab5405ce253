using Microsoft.Extensions.Diagnostics.HealthChecks;
using Serverless.Durable;
using Serverless.Durable.Embedded;
using Serverless.Storage.Blobs;
using Serverless.Storage.Documents;

namespace Serverless.Hosting.LocalHost;

/// <summary>The engine runs and its database answers a read.</summary>
internal sealed class EngineHealthCheck(EmbeddedEngine engine, IOrchestrationClient client) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!engine.IsRunning) return HealthCheckResult.Unhealthy("engine stopped");
        await client.GetInstanceAsync("healthz-probe", getInputsAndOutputs: false, cancellationToken).ConfigureAwait(false);
        return HealthCheckResult.Healthy();
    }
}

/// <summary>The document store answers a point read.</summary>
internal sealed class DocumentsHealthCheck(IDocumentStore documents) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await documents.ReadAsync("healthz", "probe", cancellationToken).ConfigureAwait(false);
        return HealthCheckResult.Healthy();
    }
}

/// <summary>The blob store answers a lookup.</summary>
internal sealed class BlobsHealthCheck(IBlobStore blobs) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await blobs.ExistsAsync("healthz/probe", cancellationToken).ConfigureAwait(false);
        return HealthCheckResult.Healthy();
    }
}
