using Microsoft.DurableTask.Client;
using Serverless.Hosting.Api;

namespace Serverless.Functions.Runtime;

/// <summary>
/// The Durable client of one HTTP request. Durable Functions hands its client to a function as a binding
/// (<c>[DurableClient]</c>), not through dependency injection, while the shared HTTP handlers reach
/// it through <see cref="IDurableClientAccessor"/>; each HTTP function puts its bound client here before calling
/// a handler (<see cref="ShellHttp"/>). The client belongs to the binding: the app never disposes it.
/// </summary>
public sealed class OrchestrationClientScope : IDurableClientAccessor
{
    private DurableTaskClient? _client;

    public DurableTaskClient Client => _client ?? throw new InvalidOperationException(
        "No Durable client in this request: the HTTP function must take a [DurableClient] DurableTaskClient and pass it to ShellHttp.RunAsync.");

    public void Use(DurableTaskClient client) => _client = client ?? throw new ArgumentNullException(nameof(client));
}
