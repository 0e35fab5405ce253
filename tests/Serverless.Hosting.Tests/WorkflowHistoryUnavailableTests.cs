using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Durable;
using Serverless.Durable.Embedded;

namespace Serverless.Hosting.Tests;

/// <summary>
/// <c>GET /api/workflows/{id}/history</c> behind a client that keeps no history, as the Function App
/// shell's Durable client adapter is: 501 with a clear message, not a 500; everything else still works.
/// </summary>
public sealed class WorkflowHistoryUnavailableTests
{
    [Fact]
    public async Task History_from_a_client_without_history_is_501_with_a_clear_message()
    {
        await using var host = await TestHost.StartAsync(configure: options => options.ConfigureServices = services =>
            services.AddSingleton<IOrchestrationClient>(provider => new NoHistoryClient(provider.GetRequiredService<EmbeddedEngine>().Client)));
        Assert.IsType<NoHistoryClient>(host.Client);
        using var start = await host.Http.PostAsync("api/workflows/DemoApproval?instanceId=order-7",
            TestHost.JsonBody("""{ "items": 2, "timerSeconds": 0, "approvalTimeoutMinutes": 60 }"""));
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);

        using var history = await host.Http.GetAsync("api/workflows/order-7/history");

        Assert.Equal(HttpStatusCode.NotImplemented, history.StatusCode);
        var body = await history.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["error"], body.EnumerateObject().Select(p => p.Name));
        var error = body.GetProperty("error").GetString()!;
        Assert.StartsWith("This host cannot show workflow history: ", error);
        Assert.Contains(NoHistoryClient.Reason, error);
        Assert.Contains("GET /api/workflows/order-7", error);

        // An unknown instance is still 404, and the instance's status is still there.
        using var unknown = await host.Http.GetAsync("api/workflows/no-such-run/history");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var status = await host.Http.GetAsync("api/workflows/order-7");
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
    }

    /// <summary>The engine's client with history refused, the way Durable Functions' client adapter refuses it.</summary>
    private sealed class NoHistoryClient(IOrchestrationClient inner) : IOrchestrationClient
    {
        public const string Reason = "The history is not available through Durable Functions' client.";

        public Task<IReadOnlyList<OrchestrationHistoryEvent>> GetHistoryAsync(string instanceId, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException(Reason);

        public Task<string> ScheduleNewOrchestrationInstanceAsync(string orchestratorName, object? input = null, StartOrchestrationOptions? options = null,
            CancellationToken cancellationToken = default) => inner.ScheduleNewOrchestrationInstanceAsync(orchestratorName, input, options, cancellationToken);

        public Task<OrchestrationMetadata?> GetInstanceAsync(string instanceId, bool getInputsAndOutputs = true, CancellationToken cancellationToken = default) =>
            inner.GetInstanceAsync(instanceId, getInputsAndOutputs, cancellationToken);

        public Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = true, CancellationToken cancellationToken = default) =>
            inner.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs, cancellationToken);

        public Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellationToken = default) =>
            inner.WaitForInstanceStartAsync(instanceId, getInputsAndOutputs, cancellationToken);

        public Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellationToken = default) =>
            inner.RaiseEventAsync(instanceId, eventName, eventPayload, cancellationToken);

        public Task TerminateInstanceAsync(string instanceId, object? output = null, CancellationToken cancellationToken = default) =>
            inner.TerminateInstanceAsync(instanceId, output, cancellationToken);

        public Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default) =>
            inner.SuspendInstanceAsync(instanceId, reason, cancellationToken);

        public Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default) =>
            inner.ResumeInstanceAsync(instanceId, reason, cancellationToken);

        public Task<PurgeResult> PurgeInstanceAsync(string instanceId, CancellationToken cancellationToken = default) =>
            inner.PurgeInstanceAsync(instanceId, cancellationToken);

        public Task<OrchestrationQueryResult> QueryInstancesAsync(OrchestrationQuery query, CancellationToken cancellationToken = default) =>
            inner.QueryInstancesAsync(query, cancellationToken);
    }
}
