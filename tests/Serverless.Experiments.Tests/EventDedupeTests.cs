using System.Text;
using Serverless.Experiments.Aggregation;
using Serverless.Experiments.Definitions;
using Serverless.Experiments.Events;

namespace Serverless.Experiments.Tests;

/// <summary>Exactly once per event: eventId dedupe across batches, its bounds, its persistence, and the shard split.</summary>
public class EventDedupeTests
{
    private static readonly DateTimeOffset T = Fixtures.Start.AddDays(2);
    private readonly ExperimentDefinition _ranker = Fixtures.Experiment("ranker", variants: 2, metric: PrimaryMetric.ValuePerUser);
    private readonly ExperimentCatalog _catalog;

    public EventDedupeTests()
    {
        _catalog = new ExperimentCatalog([_ranker]);
    }

    private static List<string> Events(int users, int seed, DateTimeOffset? from = null, string idPrefix = "")
    {
        var random = new Random(seed);
        var lines = new List<string>();
        for (var u = 0; u < users; u++)
        {
            var variant = Fixtures.VariantId(u % 2);
            var at = (from ?? T).AddSeconds(u);
            lines.Add(Fixtures.Event($"{idPrefix}x{u}", "ranker", variant, $"user-{u}", "exposure", at));
            if (random.Next(3) == 0) lines.Add(Fixtures.Event($"{idPrefix}c{u}", "ranker", variant, $"user-{u}", "conversion", at.AddSeconds(30), Math.Round(random.NextDouble() * 50, 2)));
        }
        return lines;
    }

    private static string Figures(ExperimentAggregate aggregate)
    {
        var summary = aggregate.Summarize();
        return string.Join("|", summary.Variants.Select(v => v.ToString())) + $"|{summary.DistinctUsers}";
    }

    [Fact]
    public void Re_batched_reordered_and_replayed_events_count_once()
    {
        var lines = Events(500, seed: 1);
        var expected = ExperimentAggregate.Create(_ranker);
        expected.Apply(Fixtures.ParseLines(_catalog, lines));

        var aggregate = ExperimentAggregate.Create(_ranker);
        var random = new Random(2);
        foreach (var size in new[] { 7, 100, 333 })
        {
            foreach (var chunk in lines.OrderBy(_ => random.Next()).Chunk(size)) aggregate.Apply(Fixtures.ParseLines(_catalog, chunk));
        }
        // The whole file as one batch: a batch not seen before, every event in it counted before.
        var again = aggregate.Apply(Fixtures.ParseLines(_catalog, lines));
        // And that batch once more: recognised by its identity before any eventId is looked at.
        var identical = aggregate.Apply(Fixtures.ParseLines(_catalog, lines));

        Assert.Equal(Figures(expected), Figures(aggregate));
        Assert.Equal((ApplyOutcome.AlreadyCounted, 0, lines.Count), (again.Outcome, again.EventsApplied, again.EventsSkippedAsDuplicates));
        Assert.Equal(ApplyOutcome.AlreadyApplied, identical.Outcome);
        Assert.Equal(3L * lines.Count, aggregate.Dedupe.DuplicatesSkipped);
        Assert.Equal(lines.Count, aggregate.Dedupe.Count);
    }

    [Fact]
    public void An_eventId_reused_with_other_content_is_refused_and_the_first_stays_counted()
    {
        var aggregate = ExperimentAggregate.Create(_ranker);
        aggregate.Apply(Fixtures.ParseLines(_catalog, [Fixtures.Event("e1", "ranker", "control", "u1", "exposure", T)]));
        var batch = Fixtures.ParseLines(_catalog, [
            Fixtures.Event("e1", "ranker", "control", "u2", "exposure", T),          // other user
            Fixtures.Event("e1", "ranker", "control", "u1", "exposure", T),          // the same event: a duplicate
            Fixtures.Event("e2", "ranker", "treatment1", "u3", "exposure", T),       // new
        ], "later.jsonl");

        var result = aggregate.Apply(batch);

        Assert.Equal((ApplyOutcome.PartlyApplied, 1, 1), (result.Outcome, result.EventsApplied, result.EventsSkippedAsDuplicates));
        var rejected = Assert.Single(result.Rejected);
        Assert.Equal((0, QuarantineReason.EventIdReused), (rejected.EventIndex, rejected.Reason));
        var source = batch.Source(rejected.EventIndex);
        Assert.Equal(("e1", 1), (source.EventId, source.Line));
        Assert.Contains("\"user\":\"u2\"", source.Reconstructed, StringComparison.Ordinal);
        Assert.Equal(2, aggregate.DistinctUsers);
    }

    [Fact]
    public void The_state_is_bounded_by_capacity_and_window_and_older_events_are_refused_not_counted_twice()
    {
        var aggregate = ExperimentAggregate.Create(_ranker, options: new AggregateOptions(new DedupeOptions(TimeSpan.FromDays(7), 1024)));
        var lines = Events(3000, seed: 3);
        foreach (var chunk in lines.Chunk(250))
        {
            aggregate.Apply(Fixtures.ParseLines(_catalog, chunk));
            aggregate.Dedupe.EnforceBounds();
            Assert.InRange(aggregate.Dedupe.Count, 1, 1024);
        }
        var status = aggregate.Dedupe.Status();
        Assert.True(status.Forgotten > 0);
        Assert.Equal(lines.Count, status.Entries + status.Forgotten);
        Assert.InRange(status.MemoryBytes, 1, 4096L * EventDeduplicator.EntryBytes * 2);

        var before = Figures(aggregate);
        var replay = aggregate.Apply(Fixtures.ParseLines(_catalog, lines.Take(10), "replay.jsonl"));
        Assert.Equal(0, replay.EventsApplied);
        Assert.All(replay.Rejected, r => Assert.Equal(QuarantineReason.BeyondDedupeHorizon, r.Reason));
        Assert.Equal(before, Figures(aggregate));

        // Ten days later the window forgets everything older than seven days before the newest event.
        aggregate.Apply(Fixtures.ParseLines(_catalog, Events(5, seed: 4, from: T.AddDays(10), idPrefix: "late-")));
        aggregate.Dedupe.EnforceBounds();
        Assert.True(aggregate.Dedupe.HorizonSecond >= EventDeduplicator.SecondOf(T.AddDays(3).UtcTicks));
        Assert.InRange(aggregate.Dedupe.Count, 5, 10);
    }

    [Fact]
    public void Persisted_as_state_and_segments_the_dedupe_state_survives_a_reload()
    {
        var options = new AggregateOptions(new DedupeOptions(TimeSpan.FromDays(7), 100_000));
        var aggregate = ExperimentAggregate.Create(_ranker, options: options);
        var segments = new Dictionary<string, byte[]>();
        var lines = Events(800, seed: 5);
        var round = 0;
        foreach (var chunk in lines.Chunk(97))
        {
            aggregate.Apply(Fixtures.ParseLines(_catalog, chunk));
            var count = aggregate.Dedupe.NewEntryCount;
            var body = aggregate.Dedupe.TakeNewEntries(out var min, out var max);
            var name = $"s{round++}";
            segments[name] = body;
            aggregate.Dedupe.AddSegment(new DedupeSegment(name, count, min, max));
            var merge = aggregate.Dedupe.PlanMerge();
            if (merge.Count >= 2)
            {
                var merged = aggregate.Dedupe.MergeSegments(merge.Select(m => (ReadOnlyMemory<byte>)segments[m.Name]).ToList(), out var n, out var lo, out var hi);
                var mergedName = $"m{round}";
                segments[mergedName] = merged;
                aggregate.Dedupe.ReplaceSegments(merge, new DedupeSegment(mergedName, n, lo, hi));
            }
        }
        Assert.InRange(aggregate.Dedupe.Segments.Count, 1, 6); // geometric sizes: logarithmic in the rounds
        Assert.Equal(lines.Count, aggregate.Dedupe.Segments.Sum(s => s.Entries));

        var restored = ExperimentAggregate.FromBinary(aggregate.ToBinary(), "state.bin", options);
        foreach (var segment in restored.Dedupe.Segments) restored.Dedupe.LoadSegmentEntries(segments[segment.Name]);

        Assert.Equal(aggregate.ToJson(), restored.ToJson());
        var replay = restored.Apply(Fixtures.ParseLines(_catalog, lines.AsEnumerable().Reverse().Take(300)));
        Assert.Equal((0, 300), (replay.EventsApplied, replay.EventsSkippedAsDuplicates));
    }

    [Fact]
    public void A_batch_split_into_shards_and_applied_shard_by_shard_counts_what_one_aggregate_counts()
    {
        var lines = Events(600, seed: 6);
        var body = Fixtures.Lines(lines);
        using var parser = new EventBatchParser(_catalog);
        using var batch = parser.ParseJsonLines(body, "events.jsonl");
        var whole = ExperimentAggregate.Create(_ranker);
        whole.Apply(batch);

        var parts = ShardBatchCodec.Split(batch, _ => 4, T, "experiments/batches/x.jsonl");

        Assert.Equal(4, parts.Count);
        Assert.Equal(batch.AcceptedCount, parts.Sum(p => p.Events));
        var shards = new List<ExperimentAggregate>();
        foreach (var part in parts)
        {
            using var decoded = ShardBatchCodec.Decode(part.Encoded, _catalog, "part", out var header);
            Assert.Equal((batch.Identity.Key, "ranker", part.Shard, 4, T, "experiments/batches/x.jsonl"),
                (header.Identity, header.ExperimentId, header.Shard, header.ShardCount, header.AcknowledgedAt, header.RawReference));
            var shard = ExperimentAggregate.Create(_ranker, part.Shard, 4);
            shard.Apply(decoded);
            // Every event keeps where its text is in the submitted body.
            var source = decoded.Source(0);
            Assert.Equal(lines[source.Line - 1], Encoding.UTF8.GetString(body, source.RawOffset, source.RawLength));
            shards.Add(shard);
        }

        var merged = AggregateSummary.Merge(shards.Select(s => s.Summarize()).ToList());
        var expected = whole.Summarize();
        Assert.Equal(expected.DistinctUsers, merged.DistinctUsers);
        Assert.Equal(expected.Variants.Select(v => (v.ExposedUsers, v.ConvertingUsers, v.ExposureEvents, v.ConversionEvents, Math.Round(v.ValueSum, 6))),
            merged.Variants.Select(v => (v.ExposedUsers, v.ConvertingUsers, v.ExposureEvents, v.ConversionEvents, Math.Round(v.ValueSum, 6))));
        // An unsplit batch applied to a shard counts only that shard's users.
        var shard0 = ExperimentAggregate.Create(_ranker, 0, 4);
        shard0.Apply(batch);
        Assert.Equal(shards[0].DistinctUsers, shard0.DistinctUsers);
    }

    [Fact]
    public void Conversions_and_values_count_only_at_or_after_the_first_exposure_whatever_the_arrival_order()
    {
        string[] lines =
        [
            Fixtures.Event("v1", "ranker", "control", "u1", "conversion", T.AddHours(1), 10),   // before its exposure (at +2h)
            Fixtures.Event("x1", "ranker", "control", "u1", "exposure", T.AddHours(2)),
            Fixtures.Event("v2", "ranker", "control", "u1", "conversion", T.AddHours(3), 5),     // after: counts
            Fixtures.Event("v3", "ranker", "control", "u2", "conversion", T.AddHours(1), 7),     // u2 exposed only later...
            Fixtures.Event("x2", "ranker", "control", "u2", "exposure", T.AddHours(4)),
        ];
        var inOrder = ExperimentAggregate.Create(_ranker);
        inOrder.Apply(Fixtures.ParseLines(_catalog, lines));
        var reversed = ExperimentAggregate.Create(_ranker);
        foreach (var line in lines.Reverse()) reversed.Apply(Fixtures.ParseLines(_catalog, [line]));

        foreach (var aggregate in new[] { inOrder, reversed })
        {
            var control = aggregate.Summarize().Variants[0];
            Assert.Equal((2L, 1L, 1L), (control.ExposedUsers, control.ConvertingUsers, control.ConvertingUsersOnlyBeforeExposure));
            Assert.Equal(5, control.ValueSum);
        }
        Assert.Equal(Figures(inOrder), Figures(reversed));

        // An earlier exposure turns up: u2's value now counts.
        inOrder.Apply(Fixtures.ParseLines(_catalog, [Fixtures.Event("x2b", "ranker", "control", "u2", "exposure", T)]));
        var after = inOrder.Summarize().Variants[0];
        Assert.Equal((2L, 12.0), (after.ConvertingUsers, after.ValueSum));
    }

    [Fact]
    public void Events_far_in_the_future_are_quarantined_with_their_line()
    {
        using var parser = new EventBatchParser(_catalog, latestTimestamp: T.AddHours(1));
        using var batch = parser.ParseJsonLines(Fixtures.Lines([
            Fixtures.Event("ok", "ranker", "control", "u1", "exposure", T),
            Fixtures.Event("late", "ranker", "control", "u1", "exposure", T.AddDays(2)),
        ]), "events.jsonl");

        var quarantined = Assert.Single(batch.Quarantined);
        Assert.Equal((QuarantineReason.TimestampInFuture, 2, "timestamp"), (quarantined.Reason, quarantined.LineNumber, quarantined.Field));
        Assert.Equal(1, batch.AcceptedCount);
    }
}
