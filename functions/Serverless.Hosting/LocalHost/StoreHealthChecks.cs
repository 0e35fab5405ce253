using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Durable.Embedded;
using Serverless.Storage.Blobs;
using Serverless.Storage.Documents;

namespace Serverless.Hosting.LocalHost;

/// <summary>The engine runs (the embedded one says so) and its store answers a read through the client.</summary>
internal sealed class EngineHealthCheck(DurableTaskClient client, IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (services.GetService(typeof(EmbeddedEngine)) is EmbeddedEngine { IsRunning: false }) return HealthCheckResult.Unhealthy("engine stopped");
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
