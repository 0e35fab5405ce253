using Microsoft.DurableTask.Client;
using Serverless.Functions.Adapters;
using Ours = Serverless.Durable;

namespace Serverless.Functions.Runtime;

/// <summary>
/// The orchestration client of one HTTP request. Durable Functions hands its client to a function as a
/// binding (<c>[DurableClient]</c>), not through dependency injection, while the shared HTTP handlers resolve
/// <see cref="Ours.IOrchestrationClient"/> from the request's services; each HTTP function puts its bound client
/// here before calling a handler (<see cref="ShellHttp"/>).
/// </summary>
public sealed class OrchestrationClientScope(Ours.DurableTaskRegistry registry)
{
    private Ours.IOrchestrationClient? _client;

    public Ours.IOrchestrationClient Client => _client ?? throw new InvalidOperationException(
        "No orchestration client in this request: the HTTP function must take a [DurableClient] DurableTaskClient and pass it to ShellHttp.RunAsync.");

    public void Use(DurableTaskClient client) => _client = new DurableClientAdapter(client, registry);
}
