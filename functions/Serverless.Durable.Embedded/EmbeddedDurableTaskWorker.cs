using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Hosting;

namespace Serverless.Durable.Embedded;

/// <summary>
/// The embedded engine as a Durable Task worker: registered with <c>UseEmbedded()</c> on the worker builder,
/// as <c>UseGrpc()</c> registers the gRPC worker. It starts the engine's dispatchers with the host and stops
/// them with it; a failure to open the engine database fails the host's start with the engine's message.
/// </summary>
public sealed class EmbeddedDurableTaskWorker(string? name, IDurableTaskFactory factory, EmbeddedEngine engine)
    : DurableTaskWorker(name, factory)
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await engine.StartAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await engine.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;
}
