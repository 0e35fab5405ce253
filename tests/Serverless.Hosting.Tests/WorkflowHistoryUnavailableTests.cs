using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
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
            services.AddSingleton<DurableTaskClient>(provider => new NoHistoryClient(provider.GetRequiredService<EmbeddedEngine>().Client)));
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

    /// <summary>The engine's client with history refused, as Durable Functions' client in Azure refuses it.</summary>
    private sealed class NoHistoryClient(DurableTaskClient inner) : DurableTaskClient("no-history")
    {
        public const string Reason = "The history is not available through Durable Functions' client.";

        public override Task<IList<global::DurableTask.Core.History.HistoryEvent>> GetOrchestrationHistoryAsync(string instanceId,
            CancellationToken cancellation = default) => throw new NotSupportedException(Reason);

        public override Task<string> ScheduleNewOrchestrationInstanceAsync(TaskName orchestratorName, object? input = null,
            StartOrchestrationOptions? options = null, CancellationToken cancellation = default) =>
            inner.ScheduleNewOrchestrationInstanceAsync(orchestratorName, input, options, cancellation);

        public override Task<OrchestrationMetadata?> GetInstancesAsync(string instanceId, bool getInputsAndOutputs = false,
            CancellationToken cancellation = default) => inner.GetInstancesAsync(instanceId, getInputsAndOutputs, cancellation);

        public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null) => inner.GetAllInstancesAsync(filter);

        public override Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false,
            CancellationToken cancellation = default) => inner.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs, cancellation);

        public override Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false,
            CancellationToken cancellation = default) => inner.WaitForInstanceStartAsync(instanceId, getInputsAndOutputs, cancellation);

        public override Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default) =>
            inner.RaiseEventAsync(instanceId, eventName, eventPayload, cancellation);

        public override Task TerminateInstanceAsync(string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellation = default) =>
            inner.TerminateInstanceAsync(instanceId, options, cancellation);

        public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
            inner.SuspendInstanceAsync(instanceId, reason, cancellation);

        public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
            inner.ResumeInstanceAsync(instanceId, reason, cancellation);

        public override Task<PurgeResult> PurgeInstanceAsync(string instanceId, PurgeInstanceOptions? options = null, CancellationToken cancellation = default) =>
            inner.PurgeInstanceAsync(instanceId, options, cancellation);

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
