using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Storage.Blobs;
using Serverless.Testing;
using Serverless.Workflows.Forecasting;
using Serverless.Workflows.Tests.Forecasting;

namespace Serverless.Workflows.Tests.RealRuntime;

/// <summary>
/// The weekly forecast on the real Durable Task runtime (the AzureStorage provider on Azurite, composed as a user's
/// <c>Serverless:Engine:Provider=AzureStorage</c> composes it) and on the embedded engine, with the same data and the
/// same instance ids: an approved run whose first publication of one store fails after the write (retried, found, not
/// written twice), an adjusted run, and a run nobody answers before its deadline. Every file written is the same bytes.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class WeeklyForecastRealRuntimeTests(EmulatorFixture emulators)
{
    private const string FlakyStore = "stores/S01/orders/2024-06-03.json";

    [Fact]
    public async Task Review_event_deadline_and_publish_retry_run_on_the_real_runtime_and_write_the_embedded_engines_bytes()
    {
        var embedded = await RunAsync(null);
        var real = await RunAsync(emulators.StorageConnectionString);

        // The outputs are the same but for the notification ids: each is a hash of its message, and the first message
        // names the review deadline, the run's start plus the review window on the engine's clock.
        static string WithoutIds(string output)
        {
            var o = JsonSerializer.Deserialize<WeeklyForecastOutput>(output, Durable.DurableJson.Options)!;
            return JsonSerializer.Serialize(o with { Notifications = o.Notifications!.Select(n => n with { Id = "" }).ToList() }, Durable.DurableJson.Options);
        }
        for (var i = 0; i < embedded.Outputs.Count; i++) RealRuntimeAssert.SameText(WithoutIds(embedded.Outputs[i]), WithoutIds(real.Outputs[i]), $"output {i}");
        // The review package and its pointer carry that deadline too; every other file is compared as bytes.
        var compared = RealRuntimeAssert.SameFiles(embedded.Files, real.Files, path => path.StartsWith("forecast/reviews/", StringComparison.Ordinal));
        Assert.True(compared > 30, $"only {compared} files compared");
        Assert.Contains(FlakyStore, embedded.Files.Keys);
    }

    private sealed record Run(List<string> Outputs, SortedDictionary<string, byte[]> Files);

    private static async Task<Run> RunAsync(string? storage)
    {
        FlakyPublishBlobStore? flaky = null;
        await using var host = await RuntimeHost.StartAsync(storage,
            prepare: blobs => ForecastDatasets.GenerateAsync(blobs, ForecastArtifacts.DefaultDataset, ForecastTestEnvironment.Chain),
            wrap: blobs => flaky = new FlakyPublishBlobStore(blobs, FlakyStore));
        var client = host.Client;

        await client.ScheduleNewOrchestrationInstanceAsync(WeeklyForecastOrchestrator.Name, ForecastTestEnvironment.Input(),
            new StartOrchestrationOptions("wf-approve", null));
        await client.RaiseEventAsync("wf-approve", WeeklyForecastOrchestrator.ReviewEvent, new ForecastReviewDecision("approve", "Tanaka"));
        // About four seconds to decide; nobody does, so the deadline policy (approve when the checks are clean, else hold) decides.
        var shortDeadline = ForecastTestEnvironment.SmallConfig.Replace("\"backtest\"", "\"review\": { \"deadlineHours\": 0.001, \"reminderHours\": 0 },\n  \"backtest\"", StringComparison.Ordinal);
        await client.ScheduleNewOrchestrationInstanceAsync(WeeklyForecastOrchestrator.Name, ForecastTestEnvironment.Input(shortDeadline, "2024-05-18"),
            new StartOrchestrationOptions("wf-deadline", null));

        var first = await host.WaitAsync("wf-approve");
        Assert.True(first.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"{host.Provider}: {first.RuntimeStatus} {first.FailureDetails?.ErrorMessage}");
        // The item the adjustment changes: the first line of the approved S02 file.
        var item = (await ForecastArtifacts.ReadJsonAsync<StoreOrderFile>(host.Blobs, "stores/S02/orders/2024-06-03.json", CancellationToken.None)).Lines[0].Item;
        await client.ScheduleNewOrchestrationInstanceAsync(WeeklyForecastOrchestrator.Name, ForecastTestEnvironment.Input(runDate: "2024-05-25"),
            new StartOrchestrationOptions("wf-adjust", null));
        await client.RaiseEventAsync("wf-adjust", WeeklyForecastOrchestrator.ReviewEvent,
            new ForecastReviewDecision("adjust", "Ito", "local festival", [new ForecastAdjustment("S02", item, 77)]));

        var outputs = new List<string>();
        foreach (var id in new[] { "wf-approve", "wf-adjust", "wf-deadline" })
        {
            var state = await host.WaitAsync(id);
            Assert.True(state.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"{host.Provider} {id}: {state.RuntimeStatus} {state.FailureDetails?.ErrorMessage}");
            outputs.Add(state.SerializedOutput!);
        }

        var approved = JsonSerializer.Deserialize<WeeklyForecastOutput>(outputs[0], Durable.DurableJson.Options)!;
        Assert.Equal("approved", approved.Decision);
        // The first attempt failed after its write; the retry found the file and wrote nothing.
        Assert.Equal("already-present", approved.Published.Single(p => p.Store == "S01").Outcome);
        Assert.Equal(1, flaky!.Attempts);
        Assert.Equal([FlakyStore], flaky.Created.Where(p => p == FlakyStore));
        var adjusted = JsonSerializer.Deserialize<WeeklyForecastOutput>(outputs[1], Durable.DurableJson.Options)!;
        Assert.Equal("adjusted", adjusted.Decision);
        var deadline = JsonSerializer.Deserialize<WeeklyForecastOutput>(outputs[2], Durable.DurableJson.Options)!;
        Assert.Null(deadline.Reviewer);
        Assert.Contains(deadline.Decision, new[] { "approved-at-deadline", "held-at-deadline" });
        return new Run(outputs, await host.ReadAllBlobsAsync());
    }

    /// <summary>The first write of one store file succeeds and then reports a failure, as a connection lost after the write would.</summary>
    private sealed class FlakyPublishBlobStore(IBlobStore inner, string path) : RecordingBlobStore(inner)
    {
        private int _attempts;

        public int Attempts => Volatile.Read(ref _attempts);

        public override async Task<BlobProperties> WriteAsync(string target, Stream content, BlobWriteCondition condition, CancellationToken cancellationToken = default)
        {
            if (target != path) return await base.WriteAsync(target, content, condition, cancellationToken);
            var written = await base.WriteAsync(target, content, condition, cancellationToken);
            if (Interlocked.Increment(ref _attempts) == 1) throw new IOException($"The connection closed after {target} was written.");
            return written;
        }
    }
}
