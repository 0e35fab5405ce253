using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Serverless.Hosting.Api;

/// <summary>
/// Where a request's handler finds the Durable client. The local host has one client for its life; in the
/// Function App each function is handed its own client by the <c>[DurableClient]</c> binding, which the app
/// does not own and must not dispose, so it is reached through this accessor rather than registered as a service.
/// </summary>
public interface IDurableClientAccessor
{
    DurableTaskClient Client { get; }
}

/// <summary>The accessor of a host with one client (the local host, the CLI).</summary>
public sealed class FixedDurableClientAccessor(DurableTaskClient client) : IDurableClientAccessor
{
    public DurableTaskClient Client { get; } = client;
}

public static class DurableClientRequestExtensions
{
    /// <summary>The Durable client of this request.</summary>
    public static DurableTaskClient DurableClient(this HttpRequest request) =>
        request.HttpContext.RequestServices.GetRequiredService<IDurableClientAccessor>().Client;
}
