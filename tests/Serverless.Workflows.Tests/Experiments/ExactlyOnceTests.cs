using System.Text.Json;
using Serverless.Experiments.Aggregation;
using Serverless.Experiments.Events;
using Serverless.Storage.Blobs;
using Serverless.Workflows.Experiments;

namespace Serverless.Workflows.Tests.Experiments;

/// <summary>Batches change the stored aggregates exactly once, whatever the order, repetition, crashes and concurrency.</summary>
public sealed class ExactlyOnceTests
{
    private static async Task<List<byte[]>> MixedBatchesAsync(ExperimentTestEnvironment env, int users = 400, int batchSize = 97)
    {
        var ranker = await env.DefinitionAsync("ranker");
        var banner = await env.DefinitionAsync("banner");
        var records = EventFactory.Simulate(ranker, users, [0.10, 0.20], seed: 1)
            .Concat(EventFactory.Simulate(banner, users, [0.3, 0.4], seed: 2))
            .ToList();
        // Interleave the two experiments so most batches touch both.
        var random = new Random(3);
        records = records.OrderBy(_ => random.Next()).ToList();
        return EventFactory.Batches(records, batchSize);
    }

    private static async Task<(string? Ranker, string? Banner)> ApplyAllAsync(ExperimentTestEnvironment env, IEnumerable<byte[]> batches)
    {
        foreach (var body in batches) await env.ApplyAsync(await env.StoreBatchAsync(body));
        return (await env.AggregateJsonAsync("ranker"), await env.AggregateJsonAsync("banner"));
    }

    [Fact]
    public async Task Replaying_every_batch_twice_in_shuffled_order_gives_the_same_aggregates()
    {
        await using var reference = new ExperimentTestEnvironment();
        var batches = await MixedBatchesAsync(reference);
        var expected = await ApplyAllAsync(reference, batches);
        Assert.NotNull(expected.Ranker);
        Assert.NotNull(expected.Banner);

        await using var replayed = new ExperimentTestEnvironment();
        var random = new Random(42);
        var twice = batches.Concat(batches).OrderBy(_ => random.Next()).ToList();
        var actual = await ApplyAllAsync(replayed, twice);

        Assert.Equal(expected.Ranker, actual.Ranker);
        Assert.Equal(expected.Banner, actual.Banner);

        // And the figures are those of the events, counted once.
        var aggregate = ExperimentAggregate.FromJson(actual.Ranker!);
        Assert.Equal(400, aggregate.Summarize().Variants.Sum(v => v.ExposedUsers));
    }

    [Fact]
    public async Task Running_the_apply_activity_again_after_its_write_changes_nothing()
    {
        await using var env = new ExperimentTestEnvironment();
        var batches = await MixedBatchesAsync(env, users: 100, batchSize: 1000);
        var input = await env.StoreBatchAsync(batches[0]);

        var first = await env.ApplyAsync(input);
        var afterFirst = (await env.AggregateJsonAsync("ranker"), await env.AggregateJsonAsync("banner"));
        var etag = (await env.Blobs.Inner.GetPropertiesAsync(ExperimentKeys.AggregatePath("ranker")))!.ETag;
        var second = await env.ApplyAsync(input);

        Assert.All(first.Experiments, e => Assert.Equal(ApplyOutcome.Applied, e.Outcome));
        Assert.All(second.Experiments, e => Assert.Equal(ApplyOutcome.AlreadyApplied, e.Outcome));
        Assert.All(second.Experiments, e => Assert.Equal(0, e.EventsApplied));
        Assert.Equal(afterFirst, (await env.AggregateJsonAsync("ranker"), await env.AggregateJsonAsync("banner")));
        // Not even rewritten.
        Assert.Equal(etag, (await env.Blobs.Inner.GetPropertiesAsync(ExperimentKeys.AggregatePath("ranker")))!.ETag);
    }

    [Fact]
    public async Task A_crash_between_one_aggregate_write_and_the_next_loses_and_doubles_nothing()
    {
        await using var reference = new ExperimentTestEnvironment();
        var batches = await MixedBatchesAsync(reference, users: 150, batchSize: 1000);
        var expected = await ApplyAllAsync(reference, batches);

        await using var env = new ExperimentTestEnvironment();
        var input = await env.StoreBatchAsync(batches[0]);
        var crashes = 0;
        // The first aggregate written (of the batch's first experiment) is durable, then the process "dies".
        env.Blobs.AfterWrite = path =>
        {
            if (path.EndsWith("aggregate.json", StringComparison.Ordinal) && crashes++ == 0) throw new SimulatedCrashException(path);
        };
        await Assert.ThrowsAsync<SimulatedCrashException>(() => env.ApplyAsync(input));
        Assert.NotNull(await env.AggregateJsonAsync("banner")); // banner comes first in the catalog: written
        Assert.Null(await env.AggregateJsonAsync("ranker"));    // ranker: never reached

        var rerun = await env.ApplyAsync(input);

        Assert.Equal(ApplyOutcome.AlreadyApplied, rerun.Experiments.Single(e => e.ExperimentId == "banner").Outcome);
        Assert.Equal(ApplyOutcome.Applied, rerun.Experiments.Single(e => e.ExperimentId == "ranker").Outcome);
        Assert.Equal(expected, (await env.AggregateJsonAsync("ranker"), await env.AggregateJsonAsync("banner")));
    }

    [Fact]
    public async Task Concurrent_batches_for_one_experiment_retry_on_the_ETag_and_lose_no_update()
    {
        await using var reference = new ExperimentTestEnvironment();
        var ranker = await reference.DefinitionAsync("ranker");
        var batches = EventFactory.Batches(EventFactory.Simulate(ranker, 300, [0.1, 0.2], seed: 5), 100);
        Assert.True(batches.Count >= 4);
        var expected = (await ApplyAllAsync(reference, batches)).Ranker;

        await using var env = new ExperimentTestEnvironment();
        var inputs = new List<ExperimentBatchInput>();
        foreach (var body in batches) inputs.Add(await env.StoreBatchAsync(body));
        // Every writer reads the aggregate before any of them writes: all but one must find the ETag changed.
        var barrier = new Barrier(inputs.Count);
        var firstRound = 0;
        env.Blobs.BeforeRead = path =>
        {
            if (path == ExperimentKeys.AggregatePath("ranker") && Interlocked.Increment(ref firstRound) <= inputs.Count)
            {
                return Task.Run(() => barrier.SignalAndWait(TimeSpan.FromSeconds(30)));
            }
            return Task.CompletedTask;
        };
        // The very first write creates the blob, so the first round reads "not found"; hold creators the same way.
        var results = await Task.WhenAll(inputs.Select(input => Task.Run(() => env.ApplyAsync(input))));

        var outcomes = results.Select(r => r.Experiments.Single()).ToList();
        Assert.All(outcomes, o => Assert.Equal(ApplyOutcome.Applied, o.Outcome));
        Assert.Contains(outcomes, o => o.Attempts > 1);
        Assert.Equal(expected, await env.AggregateJsonAsync("ranker"));
    }

    [Fact]
    public async Task Bad_events_are_quarantined_with_their_reason_and_the_rest_applied()
    {
        await using var env = new ExperimentTestEnvironment();
        var at = ExperimentTestEnvironment.EventsStart;
        var lines = new[]
        {
            EventFactory.Event("e1", "ranker", "als-v1", "u1", "exposure", at),
            "{ this is not json",
            """{"eventId":"e2","experiment":"ranker","variant":"als-v1","type":"exposure","timestamp":"2026-11-01T00:00:00Z"}""",
            EventFactory.Event("e3", "nope", "als-v1", "u3", "exposure", at),
            EventFactory.Event("e4", "ranker", "als-v9", "u4", "exposure", at),
            EventFactory.Event("e5", "finished", "a", "u5", "exposure", at),
            EventFactory.Event("e6", "ranker", "als-v2", "u6", "exposure", at),
            EventFactory.Event("e7", "ranker", "als-v2", "u6", "conversion", at.AddMinutes(1)),
        };
        var input = await env.StoreBatchAsync(EventFactory.Lines(lines), source: "bad.jsonl");

        var result = await env.ApplyAsync(input);

        Assert.Equal(8, result.Records);
        Assert.Equal(3, result.Accepted);
        Assert.Equal(5, result.Quarantined);
        Assert.Equal(new Dictionary<string, int>
        {
            ["MalformedJson"] = 1, ["MissingField"] = 1, ["UnknownExperiment"] = 1, ["UnknownVariant"] = 1, ["OutsideExperimentWindow"] = 1,
        }, result.QuarantinedByReason);
        var quarantined = JsonSerializer.Deserialize(await env.Blobs.Inner.ReadAllBytesAsync(result.QuarantinePath!), ExperimentDocumentsJsonContext.Default.ListQuarantinedEvent)!;
        Assert.Equal([2, 3, 4, 5, 6], quarantined.Select(q => q.LineNumber));
        Assert.Equal("user", quarantined.Single(q => q.Reason == QuarantineReason.MissingField).Field);

        var summary = ExperimentAggregate.FromJson((await env.AggregateJsonAsync("ranker"))!).Summarize();
        Assert.Equal([1L, 1L], summary.Variants.Select(v => v.ExposedUsers));
        Assert.Equal([0L, 1L], summary.Variants.Select(v => v.ConvertingUsers));
        Assert.Null(await env.AggregateJsonAsync("finished"));
    }
}
