using System.Text;
using Serverless.Experiments.Aggregation;
using Serverless.Experiments.Definitions;
using Serverless.Experiments.Events;

namespace Serverless.Experiments.Tests;

public class AggregationTests
{
    private static readonly DateTimeOffset T = Fixtures.Start.AddDays(2);
    private readonly ExperimentDefinition _ranker = Fixtures.Experiment("ranker", variants: 3, metric: PrimaryMetric.ValuePerUser);
    private readonly ExperimentCatalog _catalog;

    public AggregationTests()
    {
        _catalog = new ExperimentCatalog([_ranker, Fixtures.Experiment("search")]);
    }

    [Fact]
    public void Every_batch_twice_in_shuffled_order_gives_identical_bytes()
    {
        var batches = RandomBatches(seed: 1, batchCount: 12, eventsPerBatch: 400);

        var inOrder = ExperimentAggregate.Create(_ranker);
        foreach (var batch in batches) Assert.Equal(ApplyOutcome.Applied, inOrder.Apply(batch).Outcome);
        var expected = inOrder.ToUtf8Json();

        for (var seed = 0; seed < 3; seed++)
        {
            var shuffled = batches.Concat(batches).OrderBy(_ => 0).ToArray();
            new Random(seed).Shuffle(shuffled);
            var aggregate = ExperimentAggregate.Create(_ranker);
            var outcomes = shuffled.Select(b => aggregate.Apply(b).Outcome).ToList();
            Assert.Equal(batches.Count, outcomes.Count(o => o == ApplyOutcome.Applied));
            Assert.Equal(batches.Count, outcomes.Count(o => o == ApplyOutcome.AlreadyApplied));
            Assert.Equal(expected, aggregate.ToUtf8Json());
        }
    }

    [Fact]
    public void A_repeated_batch_changes_nothing_and_says_so()
    {
        var batch = RandomBatches(seed: 2, batchCount: 1, eventsPerBatch: 50)[0];
        var aggregate = ExperimentAggregate.Create(_ranker);
        var first = aggregate.Apply(batch);
        var before = aggregate.ToUtf8Json();
        var second = aggregate.Apply(batch);
        Assert.True(first.Changed);
        Assert.False(second.Changed);
        Assert.Equal(ApplyOutcome.AlreadyApplied, second.Outcome);
        Assert.Equal(first.EventsApplied, second.EventsSkippedAsDuplicates);
        Assert.Equal(before, aggregate.ToUtf8Json());
    }

    [Fact]
    public void Event_hubs_redelivery_with_other_boundaries_counts_each_sequence_once()
    {
        using var parser = new EventBatchParser(_catalog);
        var messages = Enumerable.Range(100, 150)
            .Select(n => new EventHubsMessage(n, Encoding.UTF8.GetBytes(Fixtures.Event($"e{n}", "ranker", "control", $"u{n % 40}", n % 3 == 0 ? "conversion" : "exposure", T.AddSeconds(n), n % 3 == 0 ? 2.5 : null))))
            .ToList();
        var whole = ExperimentAggregate.Create(_ranker);
        whole.Apply(parser.ParseEventHubs("0", messages));

        var recut = ExperimentAggregate.Create(_ranker);
        var a = recut.Apply(parser.ParseEventHubs("0", messages.Take(100).ToList()));
        var b = recut.Apply(parser.ParseEventHubs("0", messages.Skip(50).ToList()));
        var c = recut.Apply(parser.ParseEventHubs("0", messages.Skip(120).Take(10).ToList()));
        Assert.Equal((ApplyOutcome.Applied, 100), (a.Outcome, a.EventsApplied));
        Assert.Equal((ApplyOutcome.PartlyApplied, 50, 50), (b.Outcome, b.EventsApplied, b.EventsSkippedAsDuplicates));
        Assert.Equal(ApplyOutcome.AlreadyApplied, c.Outcome);
        Assert.Equal(whole.ToUtf8Json(), recut.ToUtf8Json());
        Assert.Equal([new SequenceRange(100, 249)], recut.AppliedBatches.Partitions["0"]);
    }

    [Fact]
    public void Json_round_trip_keeps_the_state_and_the_ledger()
    {
        var batches = RandomBatches(seed: 3, batchCount: 4, eventsPerBatch: 200);
        var aggregate = ExperimentAggregate.Create(_ranker);
        foreach (var batch in batches.Take(3)) aggregate.Apply(batch);
        var json = aggregate.ToJson();

        var restored = ExperimentAggregate.FromJson(json);
        Assert.Equal(json, restored.ToJson());
        Assert.Equal(aggregate.Summarize(), restored.Summarize(), new SummaryComparer());
        Assert.Equal(ApplyOutcome.AlreadyApplied, restored.Apply(batches[0]).Outcome);
        restored.Apply(batches[3]);
        aggregate.Apply(batches[3]);
        Assert.Equal(aggregate.ToJson(), restored.ToJson());
    }

    [Fact]
    public void Per_user_figures_follow_the_documented_rules()
    {
        var batch = Fixtures.ParseLines(_catalog, [
            // u1: exposed twice, converts twice with values: one exposed, one converting user; value 10 + 5.
            Fixtures.Event("1", "ranker", "control", "u1", "exposure", T.AddHours(2)),
            Fixtures.Event("2", "ranker", "control", "u1", "exposure", T.AddHours(1)),
            Fixtures.Event("3", "ranker", "control", "u1", "conversion", T.AddHours(3), 10),
            Fixtures.Event("4", "ranker", "control", "u1", "conversion", T.AddHours(4), 5),
            // u2: exposed, clicks, no value: value 0 counts in the mean.
            Fixtures.Event("5", "ranker", "control", "u2", "exposure", T),
            Fixtures.Event("6", "ranker", "control", "u2", "click", T),
            // u3: converts without exposure: a data-quality figure, not a conversion.
            Fixtures.Event("7", "ranker", "control", "u3", "conversion", T, 7),
            // u1 also in treatment1: counted there and as a user in more than one variant.
            Fixtures.Event("8", "ranker", "treatment1", "u1", "exposure", T),
        ]);
        var aggregate = ExperimentAggregate.Create(_ranker);
        aggregate.Apply(batch);
        var summary = aggregate.Summarize();
        var control = summary.Variants[0];
        Assert.Equal(2, control.ExposedUsers);
        Assert.Equal(1, control.ConvertingUsers);
        Assert.Equal(1, control.ClickingUsers);
        Assert.Equal((3, 1, 3, 3), (control.ExposureEvents, control.ClickEvents, control.ConversionEvents, control.ValueEvents));
        Assert.Equal(1, control.ConvertingUsersWithoutExposure);
        Assert.Equal(1, control.ValueUsersWithoutExposure);
        Assert.Equal(15, control.ValueSum);
        Assert.Equal(225, control.ValueSumOfSquares);
        Assert.Equal(7.5, control.ValueMean);
        Assert.Equal(112.5, control.ValueVariance); // per-user values 15 and 0: sample variance (15−7.5)²·2/1
        Assert.Equal(T, control.FirstEvent);
        Assert.Equal(T.AddHours(4), control.LastEvent);
        Assert.Equal(0.5, control.ConversionRate);
        Assert.Equal(1, summary.UsersInMoreThanOneVariant);
        Assert.Equal(3, summary.DistinctUsers);

        // The exposure of u3 arrives later: u3 becomes a converting user, whatever the order was.
        aggregate.Apply(Fixtures.ParseLines(_catalog, [Fixtures.Event("9", "ranker", "control", "u3", "exposure", T)]));
        control = aggregate.Summarize().Variants[0];
        Assert.Equal((3, 2, 0L), (control.ExposedUsers, control.ConvertingUsers, control.ConvertingUsersWithoutExposure));
        Assert.Equal(22, control.ValueSum);
    }

    [Fact]
    public void Value_variance_is_exact_for_large_means()
    {
        // Values 1e6 + {0.000001, 0.000002, 0.000003}: the naive Σx² − (Σx)²/n in doubles loses every digit of the variance.
        var events = Enumerable.Range(1, 3).Select(i =>
            Fixtures.Event($"v{i}", "ranker", "control", $"u{i}", "conversion", T, 1e6 + i * 1e-6)).ToList();
        events.AddRange(Enumerable.Range(1, 3).Select(i => Fixtures.Event($"x{i}", "ranker", "control", $"u{i}", "exposure", T)));
        var aggregate = ExperimentAggregate.Create(_ranker);
        aggregate.Apply(Fixtures.ParseLines(_catalog, events));
        Assert.Equal(1e-12, aggregate.Summarize().Variants[0].ValueVariance!.Value, 1e-24);
    }

    [Fact]
    public void A_value_sum_beyond_the_fixed_point_range_is_a_clear_error()
    {
        // 9,300 values of 1e9 for one exposed user exceed long.MaxValue millionths (about 9.22e12).
        var events = Enumerable.Range(0, 9_300).Select(i => Fixtures.Event($"c{i}", "ranker", "control", "whale", "conversion", T, 1e9))
            .Prepend(Fixtures.Event("x", "ranker", "control", "whale", "exposure", T));
        var aggregate = ExperimentAggregate.Create(_ranker);
        var ex = Assert.Throws<InvalidOperationException>(() => aggregate.Apply(Fixtures.ParseLines(_catalog, events)));
        Assert.Contains("user 'whale': the value sum overflows", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Batches_for_other_experiments_are_recorded_but_change_no_figures()
    {
        var batch = Fixtures.ParseLines(_catalog, [Fixtures.Event("1", "search", "control", "u1", "exposure", T)]);
        var aggregate = ExperimentAggregate.Create(_ranker);
        var result = aggregate.Apply(batch);
        Assert.Equal(0, result.EventsApplied);
        Assert.Equal(0, aggregate.DistinctUsers);
        Assert.Contains(batch.Identity.ContentHash!, aggregate.AppliedBatches.ContentHashes);
    }

    [Fact]
    public void A_changed_variant_list_is_refused()
    {
        var aggregate = ExperimentAggregate.Create(Fixtures.Experiment("ranker", variants: 2));
        var batch = Fixtures.ParseLines(_catalog, [Fixtures.Event("1", "ranker", "control", "u1", "exposure", T)]);
        var ex = Assert.Throws<InvalidOperationException>(() => aggregate.Apply(batch));
        Assert.Contains("variants cannot change", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"schemaVersion\":2", "\"schemaVersion\":9", "schemaVersion")]
    [InlineData("\"f\":1", "\"f\":64", ".f")]
    [InlineData("\"exposureEvents\":", "\"exposureEvents\":\"x\",\"ignored\":", "exposureEvents")]
    public void A_corrupt_state_is_refused_naming_the_field(string find, string replace, string field)
    {
        var aggregate = ExperimentAggregate.Create(_ranker);
        aggregate.Apply(Fixtures.ParseLines(_catalog, [Fixtures.Event("1", "ranker", "control", "u1", "exposure", T)]));
        var json = aggregate.ToJson();
        var index = json.IndexOf(find, StringComparison.Ordinal);
        Assert.True(index >= 0, json);
        var corrupt = json[..index] + replace + json[(index + find.Length)..];
        var ex = Assert.Throws<InvalidDataException>(() => ExperimentAggregate.FromJson(corrupt, "ranker.json"));
        Assert.Contains(field, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith("ranker.json", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Batches of random events over 300 users: conversions and values may precede exposures, users repeat across batches
    /// and appear in several variants.
    /// </summary>
    private List<EventBatch> RandomBatches(int seed, int batchCount, int eventsPerBatch)
    {
        var random = new Random(seed);
        string[] types = ["exposure", "exposure", "click", "conversion"];
        var batches = new List<EventBatch>();
        for (var b = 0; b < batchCount; b++)
        {
            var lines = new List<string>();
            for (var i = 0; i < eventsPerBatch; i++)
            {
                var type = types[random.Next(types.Length)];
                double? value = type == "conversion" ? Math.Round(random.NextDouble() * 100, 2) : null;
                var experiment = random.Next(10) == 0 ? "search" : "ranker";
                var variant = Fixtures.VariantId(random.Next(experiment == "search" ? 2 : 3));
                var user = random.Next(300);
                // Every fifth id is longer than the inline key space of the user table.
                var userId = user % 5 == 0 ? $"user-{user}-{new string('x', 30)}" : $"user-{user}";
                lines.Add(Fixtures.Event($"b{b}-{i}", experiment, variant, userId, type, T.AddSeconds(random.Next(86_400)), value));
            }
            batches.Add(Fixtures.ParseLines(_catalog, lines, $"batch-{b}.jsonl"));
        }
        return batches;
    }

    private sealed class SummaryComparer : IEqualityComparer<AggregateSummary>
    {
        public bool Equals(AggregateSummary? x, AggregateSummary? y) =>
            x is not null && y is not null && x.Variants.SequenceEqual(y.Variants)
            && (x.ExperimentId, x.DistinctUsers, x.UsersInMoreThanOneVariant, x.AppliedContentBatches, x.AppliedPartitions)
            == (y.ExperimentId, y.DistinctUsers, y.UsersInMoreThanOneVariant, y.AppliedContentBatches, y.AppliedPartitions);

        public int GetHashCode(AggregateSummary obj) => obj.ExperimentId.GetHashCode(StringComparison.Ordinal);
    }
}
