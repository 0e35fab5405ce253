using System.Net;
using DurableTask.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing.Sidecar;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Serverless.Durable.Differential;

/// <summary>
/// The real Durable Task runtime in this process: the in-process test host's in-memory backend and gRPC sidecar
/// (<see cref="TaskHubGrpcServer"/>), the real gRPC worker and the real gRPC client. The parts are those
/// <c>DurableTaskTestHost.StartAsync</c> wires; they are wired here so that the sidecar may dispatch more than
/// <see cref="Environment.ProcessorCount"/> work items at once. The test host's backend allows only that many and its
/// dispatcher sleeps 500 ms whenever they are all in flight, so on 2 cores it finished about one generated program
/// every 2 s whatever the number run at once; with a wider limit the same programs run about as fast as the worker
/// can replay them. Nothing else changes: the same backend, sidecar, worker and client code.
/// </summary>
public sealed class RealRuntimeHost : IAsyncDisposable
{
    private readonly WebApplication _sidecar;
    private readonly IHost _worker;
    private readonly GrpcChannel _channel;

    private RealRuntimeHost(WebApplication sidecar, IHost worker, GrpcChannel channel)
    {
        _sidecar = sidecar;
        _worker = worker;
        _channel = channel;
        Client = worker.Services.GetRequiredService<DurableTaskClient>();
    }

    public DurableTaskClient Client { get; }

    public static async Task<RealRuntimeHost> StartAsync(Action<DurableTaskRegistry> register, int concurrentWorkItems = 64)
    {
        var backend = new InMemoryOrchestrationService();
        var sidecarBuilder = WebApplication.CreateSlimBuilder();
        sidecarBuilder.Logging.ClearProviders();
        sidecarBuilder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        sidecarBuilder.Services.AddGrpc();
        sidecarBuilder.Services.AddSingleton<IOrchestrationService>(new WiderDispatch(backend, concurrentWorkItems));
        sidecarBuilder.Services.AddSingleton<IOrchestrationServiceClient>(backend);
        sidecarBuilder.Services.AddSingleton<TaskHubGrpcServer>();
        var sidecar = sidecarBuilder.Build();
        sidecar.MapGrpcService<TaskHubGrpcServer>();
        await sidecar.StartAsync();

        var channel = GrpcChannel.ForAddress(sidecar.Urls.First());
        var workerBuilder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        workerBuilder.Services.AddDurableTaskWorker(b =>
        {
            b.UseGrpc(channel);
            b.AddTasks(register);
        });
        workerBuilder.Services.AddDurableTaskClient(b =>
        {
            b.UseGrpc(channel);
            b.RegisterDirectly();
        });
        var worker = workerBuilder.Build();
        await worker.StartAsync();
        return new RealRuntimeHost(sidecar, worker, channel);
    }

    public async ValueTask DisposeAsync()
    {
        await _worker.StopAsync();
        _worker.Dispose();
        await _channel.ShutdownAsync();
        _channel.Dispose();
        await _sidecar.StopAsync();
        await _sidecar.DisposeAsync();
    }

    /// <summary>The in-memory backend as it is, but with a wider limit of work items the sidecar dispatches at once.</summary>
    private sealed class WiderDispatch(InMemoryOrchestrationService inner, int limit) : IOrchestrationService
    {
        public int MaxConcurrentTaskOrchestrationWorkItems => limit;
        public int MaxConcurrentTaskActivityWorkItems => limit;

        public int TaskOrchestrationDispatcherCount => inner.TaskOrchestrationDispatcherCount;
        public int TaskActivityDispatcherCount => inner.TaskActivityDispatcherCount;
        public BehaviorOnContinueAsNew EventBehaviourForContinueAsNew => inner.EventBehaviourForContinueAsNew;
        public Task StartAsync() => inner.StartAsync();
        public Task StopAsync() => inner.StopAsync();
        public Task StopAsync(bool isForced) => inner.StopAsync(isForced);
        public Task CreateAsync() => inner.CreateAsync();
        public Task CreateAsync(bool recreateInstanceStore) => inner.CreateAsync(recreateInstanceStore);
        public Task CreateIfNotExistsAsync() => inner.CreateIfNotExistsAsync();
        public Task DeleteAsync() => inner.DeleteAsync();
        public Task DeleteAsync(bool deleteInstanceStore) => inner.DeleteAsync(deleteInstanceStore);
        public bool IsMaxMessageCountExceeded(int currentMessageCount, OrchestrationRuntimeState runtimeState) =>
            inner.IsMaxMessageCountExceeded(currentMessageCount, runtimeState);
        public int GetDelayInSecondsAfterOnProcessException(Exception exception) => inner.GetDelayInSecondsAfterOnProcessException(exception);
        public int GetDelayInSecondsAfterOnFetchException(Exception exception) => inner.GetDelayInSecondsAfterOnFetchException(exception);
        public Task<TaskOrchestrationWorkItem> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
            inner.LockNextTaskOrchestrationWorkItemAsync(receiveTimeout, cancellationToken);
        public Task RenewTaskOrchestrationWorkItemLockAsync(TaskOrchestrationWorkItem workItem) => inner.RenewTaskOrchestrationWorkItemLockAsync(workItem);
        public Task CompleteTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem, OrchestrationRuntimeState newOrchestrationRuntimeState,
            IList<TaskMessage> outboundMessages, IList<TaskMessage> orchestratorMessages, IList<TaskMessage> timerMessages,
            TaskMessage continuedAsNewMessage, OrchestrationState orchestrationState) =>
            inner.CompleteTaskOrchestrationWorkItemAsync(workItem, newOrchestrationRuntimeState, outboundMessages, orchestratorMessages,
                timerMessages, continuedAsNewMessage, orchestrationState);
        public Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => inner.AbandonTaskOrchestrationWorkItemAsync(workItem);
        public Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => inner.ReleaseTaskOrchestrationWorkItemAsync(workItem);
        public Task<TaskActivityWorkItem> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
            inner.LockNextTaskActivityWorkItem(receiveTimeout, cancellationToken);
        public Task<TaskActivityWorkItem> RenewTaskActivityWorkItemLockAsync(TaskActivityWorkItem workItem) => inner.RenewTaskActivityWorkItemLockAsync(workItem);
        public Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage) =>
            inner.CompleteTaskActivityWorkItemAsync(workItem, responseMessage);
        public Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem) => inner.AbandonTaskActivityWorkItemAsync(workItem);
    }
}
