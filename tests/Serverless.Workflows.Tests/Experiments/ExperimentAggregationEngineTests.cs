using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Experiments.Aggregation;
using Serverless.Workflows.Experiments;

namespace Serverless.Workflows.Tests.Experiments;

/// <summary>Batches submitted as the HTTP route and the replay command submit them, applied by the shards' ExperimentAggregation aggregators on the embedded engine.</summary>
public sealed class ExperimentAggregationEngineTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static async Task<List<byte[]>> RankerBatchesAsync(ExperimentTestEnvironment env, int users, int batchSize)
    {
        var ranker = await env.DefinitionAsync("ranker");
        return EventFactory.Batches(EventFactory.Simulate(ranker, users, [0.05, 0.25], seed: 11), batchSize);
    }

    [Fact]
    public async Task Submitted_batches_are_applied_by_the_shard_aggregator_recomputed_and_a_replay_changes_nothing()
    {
        await using var env = new ExperimentTestEnvironment(withEngine: true, new Dictionary<string, string?>
        {
            ["Serverless:Experiments:RecomputeEveryEvents"] = "300",
            ["Serverless:Experiments:RecomputeInterval"] = "1.00:00:00",
            ["Serverless:Experiments:MonteCarloDraws"] = "2000",
        });
        await env.Engine.StartAsync();
        var ingestion = env.Get<EventIngestion>();
        var batches = await RankerBatchesAsync(env, users: 600, batchSize: 150);

        var submissions = new List<BatchSubmission>();
        var line = 1;
        foreach (var body in batches)
        {
            var submission = await ingestion.SubmitAsync(body, BatchFormats.JsonLines, "ranker.jsonl", line);
            line += 150;
            Assert.False(submission.Duplicate);
            Assert.Equal(["ranker"], submission.Experiments);
            Assert.Equal([ExperimentKeys.AggregatorInstanceId("ranker", 0)], submission.Aggregators);
            submissions.Add(submission);
        }
        foreach (var submission in submissions) await ingestion.WaitUntilAppliedAsync(submission, Deadline);

        var recomputer = env.Get<ExperimentRecomputer>();
        await WaitForAsync(async () => await recomputer.GetAnalysisAsync("ranker") is { EventsAtCompute: > 0 } a ? a : null);
        // What the replay command does at the end: a forced recomputation covers everything.
        var final = await RecomputeNowAsync(recomputer);
        Assert.True(final.Recomputed || final.Reason == "aggregate unchanged", final.Reason);
        var analysis = (await recomputer.GetAnalysisAsync("ranker"))!;
        Assert.Equal(600, analysis.Statistics.Variants.Sum(v => v.ExposedUsers));
        var figures = await env.FiguresAsync("ranker");
        var weightChanges = (await recomputer.GetAllocationAsync(await env.DefinitionAsync("ranker"))).History.Count;

        // One singleton per shard, kept small by continuing as new.
        var aggregator = await env.Engine.Client.GetInstanceAsync(ExperimentKeys.AggregatorInstanceId("ranker", 0));
        Assert.Equal(OrchestrationRuntimeStatus.Running, aggregator!.RuntimeStatus);
        Assert.InRange((await env.Engine.Client.GetHistoryAsync(aggregator.InstanceId)).Count, 1, 20);
        Assert.Single((await env.Engine.Client.QueryInstancesAsync(new OrchestrationQuery())).Instances);

        // The same batches again, and cut differently: found by identity, then by eventId; nothing changes.
        var again = new List<BatchSubmission>();
        foreach (var body in batches) again.Add(await ingestion.SubmitAsync(body, BatchFormats.JsonLines, "ranker.jsonl"));
        Assert.All(again, s => Assert.True(s.Duplicate));
        foreach (var body in await RankerBatchesAsync(env, users: 600, batchSize: 333)) again.Add(await ingestion.SubmitAsync(body, BatchFormats.JsonLines, "ranker.jsonl"));
        foreach (var submission in again) await ingestion.WaitUntilAppliedAsync(submission, Deadline);

        Assert.Equal(figures, await env.FiguresAsync("ranker"));
        // The state changed (ledger, dedupe counters) but no event was counted: nothing to analyse, no weight step.
        Assert.Equal("aggregate unchanged", (await RecomputeNowAsync(recomputer)).Reason);
        Assert.Equal(weightChanges, (await recomputer.GetAllocationAsync(await env.DefinitionAsync("ranker"))).History.Count);
    }

    /// <summary>A forced recomputation; one that raced with the aggregator's own (and lost the allocation's ETag) is asked again.</summary>
    private static async Task<RecomputeResult> RecomputeNowAsync(ExperimentRecomputer recomputer)
    {
        while (true)
        {
            var result = await recomputer.RecomputeNowAsync("ranker", DateTimeOffset.UtcNow);
            if (!result.Reason.StartsWith("superseded", StringComparison.Ordinal)) return result;
        }
    }

    [Fact]
    public async Task A_crash_after_the_state_write_is_retried_by_the_aggregator_without_double_counting()
    {
        await using var reference = new ExperimentTestEnvironment();
        var batches = await RankerBatchesAsync(reference, users: 120, batchSize: 1000);
        await reference.ApplyAllAsync(batches);
        var expected = await reference.FiguresAsync("ranker");

        await using var env = new ExperimentTestEnvironment(withEngine: true);
        var crashes = 0;
        env.Blobs.AfterWrite = path =>
        {
            if (path.EndsWith("/state.bin", StringComparison.Ordinal) && Interlocked.Increment(ref crashes) == 1) throw new SimulatedCrashException(path);
        };
        await env.Engine.StartAsync();
        var submission = await env.Get<EventIngestion>().SubmitAsync(batches.Single(), BatchFormats.JsonLines, "ranker.jsonl");
        await env.Get<EventIngestion>().WaitUntilAppliedAsync(submission, Deadline);

        Assert.True(crashes >= 2); // the first round's write was durable and unacknowledged; the retried round wrote again
        Assert.Equal(expected, await env.FiguresAsync("ranker"));
        var metrics = env.Get<ApplyMetrics>().Snapshot();
        Assert.Equal(120, ExperimentAggregate.FromJson((await env.AggregateJsonAsync("ranker"))!).Summarize().Variants.Sum(v => v.ExposedUsers));
        Assert.True(metrics.EventsSkipped > 0, "the retried round found the batch in the committed ledger");
    }

    [Fact]
    public async Task A_batch_that_is_not_valid_JSON_as_a_whole_is_refused_before_anything_is_stored()
    {
        await using var env = new ExperimentTestEnvironment(withEngine: true);
        var ingestion = env.Get<EventIngestion>();

        await Assert.ThrowsAsync<Serverless.Experiments.Events.EventBatchFormatException>(() =>
            ingestion.SubmitAsync("[{\"eventId\": \"x\""u8.ToArray(), BatchFormats.JsonArray, "HTTP body"));
        await Assert.ThrowsAsync<EmptyBatchException>(() => ingestion.SubmitAsync("\n\n"u8.ToArray(), BatchFormats.JsonLines, "HTTP body"));

        Assert.Empty(await env.Blobs.Inner.ListAsync("experiments/").ToListAsync());
        Assert.Empty((await env.Engine.Client.QueryInstancesAsync(new OrchestrationQuery())).Instances);
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe) where T : class
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            if (await probe() is { } value) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the condition did not hold in time");
            await Task.Delay(20);
        }
    }
}
