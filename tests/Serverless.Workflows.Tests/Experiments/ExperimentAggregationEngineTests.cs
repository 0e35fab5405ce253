using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Experiments.Aggregation;
using Serverless.Experiments.Allocation;
using Serverless.Storage.Documents;
using Serverless.Workflows.Experiments;

namespace Serverless.Workflows.Tests.Experiments;

/// <summary>Batches submitted as the HTTP route and the replay command submit them, run by ExperimentAggregation on the embedded engine.</summary>
public sealed class ExperimentAggregationEngineTests
{
    private static async Task<ExperimentAggregationResult> RunAsync(ExperimentTestEnvironment env, string instanceId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var metadata = await env.Engine.Client.WaitForInstanceCompletionAsync(instanceId, true, timeout.Token);
        Assert.True(metadata.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"{instanceId}: {metadata.RuntimeStatus} {metadata.FailureDetails?.ErrorMessage}");
        return metadata.ReadOutputAs<ExperimentAggregationResult>()!;
    }

    private static async Task<List<byte[]>> RankerBatchesAsync(ExperimentTestEnvironment env, int users, int batchSize)
    {
        var ranker = await env.DefinitionAsync("ranker");
        return EventFactory.Batches(EventFactory.Simulate(ranker, users, [0.05, 0.25], seed: 11), batchSize);
    }

    [Fact]
    public async Task Submitted_batches_are_applied_recomputed_on_the_cadence_and_a_replay_changes_nothing()
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

        var outputs = new List<ExperimentAggregationResult>();
        var line = 1;
        foreach (var body in batches)
        {
            var submission = await ingestion.SubmitAsync(body, BatchFormats.JsonLines, "ranker.jsonl", line);
            line += 150;
            Assert.False(submission.Duplicate);
            Assert.Equal(["ranker"], submission.Experiments);
            outputs.Add(await RunAsync(env, submission.InstanceId));
        }

        Assert.All(outputs, o => Assert.Equal(ApplyOutcome.Applied, o.Experiments.Single().Outcome));
        var recomputed = outputs.SelectMany(o => o.Recomputations).Where(r => r.Recomputed).ToList();
        // The first batch publishes a first analysis, then one per 300 events or more: fewer analyses than batches.
        Assert.InRange(recomputed.Count, 2, batches.Count - 1);
        Assert.Contains(outputs.SelectMany(o => o.Recomputations), r => r.Reason == "not due");

        var recomputer = env.Get<ExperimentRecomputer>();
        var last = outputs[^1].Experiments.Single();
        Assert.True((await recomputer.GetAnalysisAsync("ranker"))!.EventsAtCompute < last.TotalEvents); // the last batch was not due
        // What the replay command does at the end: a forced recomputation covers everything.
        var final = await recomputer.RecomputeIfDueAsync(new RecomputeRequest("ranker", last.TotalEvents, last.AggregateHash, DateTime.UtcNow, Force: true));
        Assert.True(final.Recomputed, final.Reason);
        var analysis = (await recomputer.GetAnalysisAsync("ranker"))!;
        var allocation = await recomputer.GetAllocationAsync(await env.DefinitionAsync("ranker"));
        var analysisEtag = (await env.Get<IDocumentStore>().ReadAsync(ExperimentKeys.ExperimentPartition("ranker"), ExperimentKeys.AnalysisId))!.ETag;
        var aggregate = await env.AggregateJsonAsync("ranker");
        Assert.Equal(600, analysis.Statistics.Variants.Sum(v => v.ExposedUsers));

        // Submitting the same batches again finds their instances; running them again under new instance ids applies nothing.
        foreach (var body in batches)
        {
            var again = await ingestion.SubmitAsync(body, BatchFormats.JsonLines, "ranker.jsonl");
            Assert.True(again.Duplicate);
        }
        var inputs = new List<ExperimentBatchInput>();
        foreach (var body in batches) inputs.Add(await env.StoreBatchAsync(body));
        foreach (var input in inputs)
        {
            var id = await env.Engine.Client.ScheduleNewOrchestrationInstanceAsync(ExperimentAggregationOrchestrator.Name, input with { ForceRecompute = true });
            var output = await RunAsync(env, id);
            Assert.Equal(ApplyOutcome.AlreadyApplied, output.Experiments.Single().Outcome);
            Assert.False(output.Recomputations.Single().Recomputed);
        }

        Assert.Equal(aggregate, await env.AggregateJsonAsync("ranker"));
        Assert.Equal(analysisEtag, (await env.Get<IDocumentStore>().ReadAsync(ExperimentKeys.ExperimentPartition("ranker"), ExperimentKeys.AnalysisId))!.ETag);
        Assert.Equal(allocation.History.Count, (await recomputer.GetAllocationAsync(await env.DefinitionAsync("ranker"))).History.Count);
    }

    [Fact]
    public async Task A_crash_after_the_aggregate_write_is_retried_by_the_orchestration_without_double_counting()
    {
        await using var reference = new ExperimentTestEnvironment();
        var batches = await RankerBatchesAsync(reference, users: 120, batchSize: 1000);
        foreach (var body in batches) await reference.ApplyAsync(await reference.StoreBatchAsync(body));
        var expected = await reference.AggregateJsonAsync("ranker");

        await using var env = new ExperimentTestEnvironment(withEngine: true);
        var crashes = 0;
        env.Blobs.AfterWrite = path =>
        {
            if (path.EndsWith("aggregate.json", StringComparison.Ordinal) && Interlocked.Increment(ref crashes) == 1) throw new SimulatedCrashException(path);
        };
        await env.Engine.StartAsync();
        var submission = await env.Get<EventIngestion>().SubmitAsync(batches.Single(), BatchFormats.JsonLines, "ranker.jsonl");

        var output = await RunAsync(env, submission.InstanceId);

        Assert.Equal(1, crashes); // the write happened once; the re-run found the batch in the ledger and did not write again
        Assert.Equal(ApplyOutcome.AlreadyApplied, output.Experiments.Single().Outcome);
        Assert.Equal(expected, await env.AggregateJsonAsync("ranker"));
        var history = await env.Engine.Client.GetHistoryAsync(submission.InstanceId);
        Assert.Contains(history, e => e.EventType.ToString().Contains("Failed", StringComparison.Ordinal));
        // The recomputation still ran: the analysis covers the batch.
        Assert.True(output.Recomputations.Single().Recomputed);
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
}
