using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Experiments.Aggregation;
using Serverless.Experiments.Events;
using Serverless.Storage.Blobs;
using Serverless.Workflows.Experiments;

namespace Serverless.Workflows.Tests.Experiments;

/// <summary>Events change the stored aggregates exactly once, whatever the batching, order, repetition, crashes and concurrency.</summary>
public sealed class ExactlyOnceTests
{
    private static async Task<List<string>> MixedRecordsAsync(ExperimentTestEnvironment env, int users = 400)
    {
        var ranker = await env.DefinitionAsync("ranker");
        var banner = await env.DefinitionAsync("banner");
        var records = EventFactory.Simulate(ranker, users, [0.10, 0.20], seed: 1)
            .Concat(EventFactory.Simulate(banner, users, [0.3, 0.4], seed: 2))
            .ToList();
        // Interleave the two experiments so most batches touch both.
        var random = new Random(3);
        return records.OrderBy(_ => random.Next()).ToList();
    }

    private static async Task<(string? Ranker, string? Banner)> FiguresAsync(ExperimentTestEnvironment env) =>
        (await env.FiguresAsync("ranker"), await env.FiguresAsync("banner"));

    [Fact]
    public async Task Re_batched_reordered_and_replayed_events_are_counted_once()
    {
        await using var reference = new ExperimentTestEnvironment();
        var records = await MixedRecordsAsync(reference);
        await reference.ApplyAllAsync(EventFactory.Batches(records, 97));
        var expected = await FiguresAsync(reference);
        Assert.NotNull(expected.Ranker);

        await using var env = new ExperimentTestEnvironment();
        var random = new Random(42);
        // The same events three times: cut at other boundaries, shuffled, and as the original batches again (both framings).
        var reordered = records.OrderBy(_ => random.Next()).ToList();
        var sends = EventFactory.Batches(records, 97)
            .Concat(EventFactory.Batches(reordered, 41))
            .Concat(EventFactory.Batches(records, 97))
            .OrderBy(_ => random.Next())
            .ToList();
        foreach (var chunk in sends.Chunk(7))
        {
            foreach (var body in chunk) await env.SubmitAsync(body);
            await env.DrainAsync();
        }
        await env.SubmitAsync(EventFactory.Array(records.Take(60)), BatchFormats.JsonArray, "HTTP body");
        await env.DrainAsync();

        Assert.Equal(expected, await FiguresAsync(env));
        var summary = ExperimentAggregate.FromJson((await env.AggregateJsonAsync("ranker"))!).Summarize();
        Assert.Equal(400, summary.Variants.Sum(v => v.ExposedUsers));
        Assert.True(summary.Dedupe!.DuplicatesSkipped > 0);
        Assert.Equal(0, summary.Dedupe.Conflicts);
        // Every part was applied and removed from the pending lists.
        Assert.Empty(await env.Blobs.Inner.ListAsync("experiments/ranker/shards/0/pending/").ToListAsync());
    }

    [Fact]
    public async Task A_crash_after_the_state_write_and_before_the_parts_are_deleted_loses_and_doubles_nothing()
    {
        await using var reference = new ExperimentTestEnvironment();
        var records = await MixedRecordsAsync(reference, users: 150);
        await reference.ApplyAllAsync(EventFactory.Batches(records, 1000));
        var expected = await FiguresAsync(reference);

        await using var env = new ExperimentTestEnvironment();
        foreach (var body in EventFactory.Batches(records, 100)) await env.SubmitAsync(body);
        var crashes = 0;
        // The round's state is durable, then the process "dies": its parts are still pending, the apply runs again.
        env.Blobs.AfterWrite = path =>
        {
            if (path.EndsWith("/state.bin", StringComparison.Ordinal) && crashes++ == 0) throw new SimulatedCrashException(path);
        };
        await Assert.ThrowsAsync<SimulatedCrashException>(() => env.DrainAsync("ranker"));
        Assert.NotEmpty(await env.Blobs.Inner.ListAsync("experiments/ranker/shards/0/pending/").ToListAsync());

        var rerun = (await env.DrainAsync("ranker", "banner")).ToDictionary(r => r.ExperimentId);

        Assert.Equal(0, rerun["ranker"].EventsApplied); // every part found in the committed ledger
        Assert.True(rerun["ranker"].EventsSkipped > 0);
        Assert.True(rerun["banner"].EventsApplied > 0);
        Assert.Equal(expected, await FiguresAsync(env));
    }

    [Fact]
    public async Task A_stale_writer_fails_its_conditional_write_reloads_and_loses_no_update()
    {
        await using var reference = new ExperimentTestEnvironment();
        var ranker = await reference.DefinitionAsync("ranker");
        var batches = EventFactory.Batches(EventFactory.Simulate(ranker, 300, [0.1, 0.2], seed: 5), 150);
        Assert.Equal(3, batches.Count);
        await reference.ApplyAllAsync(batches);
        var expected = await reference.FiguresAsync("ranker");

        await using var env = new ExperimentTestEnvironment();
        // Two writers for one shard, as when a Function App instance still runs a round its successor also runs.
        var stale = ActivatorUtilities.CreateInstance<ShardDrainer>(env.Services);
        await env.SubmitAsync(batches[0]);
        await stale.DrainAsync("ranker", 0);              // the stale writer keeps this state in memory
        await env.SubmitAsync(batches[1]);
        await env.DrainAsync("ranker");                   // the other writer commits on top of it
        await env.SubmitAsync(batches[2]);
        var round = await stale.DrainAsync("ranker", 0);  // ETag mismatch: reload, apply again, commit

        Assert.Equal(1, round.Parts);
        Assert.Equal(expected, await env.FiguresAsync("ranker"));
    }

    [Fact]
    public async Task Bad_events_are_quarantined_with_reason_line_and_raw_text_and_the_good_ones_go_on()
    {
        await using var env = new ExperimentTestEnvironment();
        var at = ExperimentTestEnvironment.EventsStart;
        var lines = new[]
        {
            EventFactory.Event("e1", "ranker", "als-v1", "u1", "exposure", at),
            "{ this is not json",
            """{"experiment":"ranker","variant":"als-v1","user":"u2","type":"exposure","timestamp":"2026-11-01T00:00:00Z"}""",
            EventFactory.Event("e3", "nope", "als-v1", "u3", "exposure", at),
            EventFactory.Event("e4", "ranker", "als-v9", "u4", "exposure", at),
            EventFactory.Event("e5", "finished", "a", "u5", "exposure", at),
            EventFactory.Event("e6", "ranker", "als-v2", "u6", "exposure", at),
            EventFactory.Event("e7", "ranker", "als-v2", "u6", "conversion", at.AddMinutes(1)),
            EventFactory.Event("e8", "ranker", "als-v2", "u8", "exposure", DateTimeOffset.UtcNow.AddDays(3)),
        };
        var submission = await env.SubmitAsync(EventFactory.Lines(lines), source: "bad.jsonl");

        Assert.Equal((9, 3, 6), (submission.Records, submission.Accepted, submission.Quarantined));
        Assert.Equal(new Dictionary<string, int>
        {
            ["MalformedJson"] = 1, ["MissingField"] = 1, ["UnknownExperiment"] = 1, ["UnknownVariant"] = 1, ["OutsideExperimentWindow"] = 1,
            ["TimestampInFuture"] = 1,
        }, submission.QuarantinedByReason);
        var quarantined = JsonSerializer.Deserialize(await env.Blobs.Inner.ReadAllBytesAsync(submission.QuarantinePath!), ExperimentDocumentsJsonContext.Default.ListQuarantinedEvent)!;
        Assert.Equal([2, 3, 4, 5, 6, 9], quarantined.Select(q => q.LineNumber));
        Assert.Equal("eventId", quarantined.Single(q => q.Reason == QuarantineReason.MissingField).Field);
        Assert.Equal(lines[2], quarantined.Single(q => q.Reason == QuarantineReason.MissingField).Raw);
        await env.DrainAsync();

        // Later, the same eventId with other content (another user), in a batch of otherwise good events.
        var reused = EventFactory.Event("e6", "ranker", "als-v2", "someone-else", "exposure", at.AddHours(1));
        var next = await env.SubmitAsync(EventFactory.Lines([EventFactory.Event("e9", "ranker", "als-v1", "u9", "exposure", at), reused]), source: "later.jsonl", firstLine: 41);
        var drained = (await env.DrainAsync("ranker")).Single();

        Assert.Equal((1, 1L), (drained.EventsRefused, drained.EventsApplied));
        var refused = JsonSerializer.Deserialize(
            await env.Blobs.Inner.ReadAllBytesAsync(ExperimentKeys.ApplyQuarantinePath(next.BatchIdentity, "ranker", 0)), ExperimentDocumentsJsonContext.Default.ListQuarantinedEvent)!;
        var entry = Assert.Single(refused);
        Assert.Equal((QuarantineReason.EventIdReused, 42, "e6", reused), (entry.Reason, entry.LineNumber, entry.EventId, entry.Raw));
        Assert.Contains("later.jsonl line 42", entry.Message, StringComparison.Ordinal);

        var summary = ExperimentAggregate.FromJson((await env.AggregateJsonAsync("ranker"))!).Summarize();
        Assert.Equal([2L, 1L], summary.Variants.Select(v => v.ExposedUsers));
        Assert.Equal([0L, 1L], summary.Variants.Select(v => v.ConvertingUsers));
        Assert.Null(await env.AggregateJsonAsync("finished"));
    }

    [Fact]
    public async Task Shards_of_an_experiment_add_up_to_what_one_writer_counts()
    {
        await using var reference = new ExperimentTestEnvironment();
        var records = await MixedRecordsAsync(reference, users: 300);
        await reference.ApplyAllAsync(EventFactory.Batches(records, 120));

        await using var sharded = new ExperimentTestEnvironment(settings: new Dictionary<string, string?> { ["Serverless:Experiments:ShardsPerExperiment"] = "3" });
        var submission = await sharded.SubmitAsync(EventFactory.Lines(records));
        Assert.Equal(6, submission.PendingParts.Count); // two experiments, three shards each
        await sharded.DrainAsync();
        await sharded.ApplyAllAsync(EventFactory.Batches(records, 77)); // and again, re-batched: nothing changes

        Assert.Equal(await FiguresAsync(reference), await FiguresAsync(sharded));
        var shards = await sharded.Get<ShardStateStore>().LoadAllStatesAsync("ranker");
        Assert.Equal(3, shards.Count);
        Assert.All(shards, s => Assert.InRange(s.Aggregate.DistinctUsers, 50, 150));
        // Statistics merge the shards at recompute time.
        var result = await sharded.Get<ExperimentRecomputer>().RecomputeNowAsync("ranker", DateTimeOffset.UtcNow);
        Assert.True(result.Recomputed, result.Reason);
        Assert.Equal(300, (await sharded.Get<ExperimentRecomputer>().GetAnalysisAsync("ranker"))!.Statistics.Variants.Sum(v => v.ExposedUsers));
    }

    [Fact]
    public async Task Ingestion_answers_backpressure_when_applying_lags_beyond_the_bound()
    {
        var clock = new TestClock(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        await using var env = new ExperimentTestEnvironment(settings: new Dictionary<string, string?> { ["Serverless:Experiments:MaxApplyLag"] = "00:00:05" }, clock: clock);
        var ranker = await env.DefinitionAsync("ranker");
        var batches = EventFactory.Batches(EventFactory.Simulate(ranker, 30, [0.1, 0.2], seed: 9), 10);

        await env.SubmitAsync(batches[0]);
        clock.Advance(TimeSpan.FromSeconds(4));
        await env.SubmitAsync(batches[1]); // 4 s behind: within the bound
        clock.Advance(TimeSpan.FromSeconds(3));
        var refused = await Assert.ThrowsAsync<IngestionBackpressureException>(() => env.SubmitAsync(batches[2]));

        Assert.Equal(TimeSpan.FromSeconds(7), refused.Lag);
        Assert.Equal(TimeSpan.FromSeconds(2), refused.RetryAfter);
        Assert.False(await env.Blobs.Inner.ExistsAsync(ExperimentKeys.PendingPath("ranker", 0, Identity(env, batches[2]))));

        await env.DrainAsync("ranker");
        var accepted = await env.SubmitAsync(batches[2]);
        Assert.Single(accepted.PendingParts);
    }

    [Fact]
    public async Task The_dedupe_state_stays_within_its_bound_and_its_size_is_published()
    {
        await using var env = new ExperimentTestEnvironment(settings: new Dictionary<string, string?> { ["Serverless:Experiments:DedupeMaxEntries"] = "1024" });
        var ranker = await env.DefinitionAsync("ranker");
        var records = EventFactory.Simulate(ranker, 1500, [0.2, 0.2], seed: 4); // about 2,200 events, one per second
        foreach (var body in EventFactory.Batches(records, 300))
        {
            await env.SubmitAsync(body);
            await env.DrainAsync("ranker");
        }

        var status = (await env.Get<ShardStatusReader>().ReadAllAsync()).Single(s => s.ExperimentId == "ranker");
        Assert.InRange(status.Dedupe!.Entries, 1, 1024);
        Assert.True(status.Dedupe.Forgotten > 0);
        Assert.NotNull(status.Dedupe.Horizon);
        // An old event sent again cannot be checked any more: it is refused, not counted twice.
        await env.SubmitAsync(EventFactory.Lines(records.Take(1)));
        Assert.Equal(1, (await env.DrainAsync("ranker")).Single().EventsRefused);
        Assert.Equal(1500, ExperimentAggregate.FromJson((await env.AggregateJsonAsync("ranker"))!).Summarize().Variants.Sum(v => v.ExposedUsers));
        // Segments on disk stay few: merged as they grow, dropped once wholly forgotten.
        Assert.InRange((await env.Blobs.Inner.ListAsync("experiments/ranker/shards/0/dedupe/").ToListAsync()).Count, 1, 8);
    }

    private static string Identity(ExperimentTestEnvironment env, byte[] body)
    {
        var catalog = env.Get<ExperimentDefinitionStore>().GetCatalogAsync().GetAwaiter().GetResult();
        using var parser = new EventBatchParser(catalog);
        using var batch = parser.ParseJsonLines(body, "x");
        return batch.Identity.Key;
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class TestClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
