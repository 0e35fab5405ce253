using DurableTask.Core.History;
using Serverless.Durable.AzureStorage;
using Serverless.Testing;

namespace Serverless.Durable.Tests.AzureStorage;

/// <summary>The same programming model on the real Durable Task runtime and its Azure Storage backend (Azurite).</summary>
[Collection(EmulatorCollection.Name)]
public sealed class AzureStorageEngineTests(EmulatorFixture emulators)
{
    private static void FanOut(DurableTaskRegistry r) => r
        .AddActivityFunc<int, long>("Square", (_, x) => (long)x * x)
        .AddOrchestratorFunc<int, long>("FanOut", async (ctx, n) =>
        {
            var results = await Task.WhenAll(Enumerable.Range(1, n).Select(i => ctx.CallActivityAsync<long>("Square", i)));
            return results.Sum();
        });

    [Fact]
    public async Task A_fan_out_runs_to_completion_and_its_history_reads_back()
    {
        await using var host = await AzureStorageHost.StartAsync(emulators.StorageConnectionString, FanOut);

        var result = await host.RunAsync("FanOut", 20);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.Equal(Enumerable.Range(1, 20).Sum(i => (long)i * i), result.ReadOutputAs<long>());
        var history = await host.Client.GetOrchestrationHistoryAsync(result.InstanceId);
        Assert.Equal(20, history.OfType<TaskScheduledEvent>().Count());
        Assert.Equal(20, history.OfType<TaskCompletedEvent>().Count());
    }

    [Fact]
    public async Task Client_errors_match_the_embedded_engine()
    {
        await using var host = await AzureStorageHost.StartAsync(emulators.StorageConnectionString, FanOut);

        var unknown = await Assert.ThrowsAsync<UnknownTaskException>(() => host.Client.ScheduleNewOrchestrationInstanceAsync("Fanout2", 1));
        Assert.Contains("Known orchestrators: FanOut", unknown.Message);
        var done = await host.RunAsync("FanOut", 2, instanceId: "taken");
        await Assert.ThrowsAsync<InstanceAlreadyExistsException>(() =>
            host.Client.ScheduleNewOrchestrationInstanceAsync("FanOut", 1, new StartOrchestrationOptions("taken", null)));
        await Assert.ThrowsAsync<InstanceNotFoundException>(() => host.Client.RaiseEventAsync("nobody", "Go"));
        await Assert.ThrowsAsync<InstanceStateException>(() => host.Client.RaiseEventAsync(done.InstanceId, "Go"));
    }

    [Fact]
    public async Task An_orchestration_calling_an_unknown_activity_fails_with_one_error_naming_it()
    {
        await using var host = await AzureStorageHost.StartAsync(emulators.StorageConnectionString, r =>
        {
            FanOut(r);
            r.AddOrchestratorFunc<int, long>("CallsTypo", (ctx, n) => ctx.CallActivityAsync<long>("Sqare", n));
        });

        var result = await host.RunAsync("CallsTypo", 3);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, result.RuntimeStatus);
        // One error, at the activity: its name and the names that exist.
        var failure = result.FailureDetails!;
        Assert.Equal("No activity named 'Sqare' is registered. Known activities: Square.", failure.RootMessage());
        Assert.True(failure.IsCausedByAny<UnknownTaskException>(), failure.Describe());
    }

    [Fact]
    public async Task A_failed_instance_reads_back_with_its_whole_failure_chain_with_or_without_payloads()
    {
        await using var host = await AzureStorageHost.StartAsync(emulators.StorageConnectionString, r => r
            .AddActivityFunc<int, int>("Breaks", (_, _) => Task.FromException<int>(new AggregateException(new InvalidDataException("row 7 is not a number"))))
            .AddOrchestratorFunc<int, int>("Fails", (ctx, n) => ctx.CallActivityAsync<int>("Breaks", n)));

        var result = await host.RunAsync("Fails", 1);
        var metadata = await host.Client.GetInstanceAsync(result.InstanceId, getInputsAndOutputs: false);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, result.RuntimeStatus);
        foreach (var failure in new[] { result.FailureDetails!, metadata!.FailureDetails! })
        {
            Assert.Equal("row 7 is not a number", failure.RootMessage());
            Assert.True(failure.IsCausedByAny<InvalidDataException>(), failure.Describe());
            Assert.Contains("System.AggregateException", failure.Describe());
        }
    }

    [Fact]
    public async Task A_task_hub_name_storage_refuses_and_an_unreachable_account_each_get_one_line_naming_the_setting()
    {
        var badName = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            AzureStorageHost.StartAsync(emulators.StorageConnectionString, FanOut, taskHub: "my-hub"));
        Assert.Contains("Serverless:Engine:AzureStorage:TaskHubName 'my-hub' is refused by Azure Storage", badName.Message);

        var unreachable = await Assert.ThrowsAsync<InvalidOperationException>(() => AzureStorageHost.StartAsync(
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;",
            FanOut, o => o.StartTimeout = TimeSpan.FromSeconds(5)));
        Assert.StartsWith("Serverless:Engine:AzureStorage:ConnectionString: the task hub", unreachable.Message);
        Assert.Contains("http://127.0.0.1:9/devstoreaccount1", unreachable.Message);
        Assert.DoesNotContain("AccountKey", unreachable.Message);
    }
}
