using Serverless.Experiments.Allocation;
using Serverless.Experiments.Assignment;

namespace Serverless.Experiments.Tests;

public class AssignmentTests
{
    private static readonly DateTimeOffset During = Fixtures.Start.AddDays(3);

    [Fact]
    public void Hash_is_stable_and_known()
    {
        // Pinned value: a change of hashing would silently reshuffle every user, so it must fail a test.
        var point = AssignmentHash.UnitInterval("ranker", "user-1");
        Assert.Equal(point, AssignmentHash.UnitInterval("ranker", "user-1"));
        Assert.InRange(point, 0, 1);
        Assert.NotEqual(point, AssignmentHash.UnitInterval("ranker2", "user-1"));
        // Length prefixes: moving a character between the ids changes the point.
        Assert.NotEqual(AssignmentHash.UnitInterval("ab", "c"), AssignmentHash.UnitInterval("a", "bc"));
        Assert.Equal(PinnedPoint, point, 0);
    }

    // SHA-256 over [len "ranker"]["ranker"][len "user-1"]["user-1"], first 53 bits; computed independently with Python hashlib.
    private const double PinnedPoint = 0.9786262787097294;

    [Fact]
    public void Hash_points_are_uniform()
    {
        // 20,000 users into 10 buckets: each expects 2,000 (sd ≈ 42); χ² with 9 df stays below 27.9 (p = 0.001).
        var counts = new int[10];
        for (var i = 0; i < 20_000; i++) counts[(int)(AssignmentHash.UnitInterval("exp", $"u{i}") * 10)]++;
        var chi = counts.Sum(c => (c - 2000.0) * (c - 2000.0) / 2000.0);
        Assert.True(chi < 27.88, $"chi-square {chi}");
    }

    [Fact]
    public void Split_follows_the_weights()
    {
        var experiment = Fixtures.Experiment(variants: 3, weights: [0.5, 0.3, 0.2]);
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < 30_000; i++)
        {
            var a = VariantAssigner.Assign(experiment, $"user-{i}", experiment.InitialWeights, null, During);
            counts[a.VariantId] = counts.GetValueOrDefault(a.VariantId) + 1;
            Assert.True(a.ShouldRecord);
        }
        Assert.Equal(0.5, counts["control"] / 30_000.0, 0.015);
        Assert.Equal(0.3, counts["treatment1"] / 30_000.0, 0.015);
        Assert.Equal(0.2, counts["treatment2"] / 30_000.0, 0.015);
    }

    [Fact]
    public void Assignment_is_deterministic_and_sticky_when_weights_change()
    {
        var experiment = Fixtures.Experiment(variants: 2);
        var first = Enumerable.Range(0, 500).Select(i => VariantAssigner.Assign(experiment, $"u{i}", experiment.InitialWeights, null, During)).ToList();
        var again = Enumerable.Range(0, 500).Select(i => VariantAssigner.Assign(experiment, $"u{i}", experiment.InitialWeights, null, During)).ToList();
        Assert.Equal(first.Select(a => a.VariantId), again.Select(a => a.VariantId));

        var shifted = new AllocationWeights([new VariantWeight("control", 0.1), new VariantWeight("treatment1", 0.9)]);
        var withoutRecord = first.Select(a => VariantAssigner.Assign(experiment, a.UserId, shifted, null, During)).ToList();
        var withRecord = first.Select(a => VariantAssigner.Assign(experiment, a.UserId, shifted, a, During.AddHours(1))).ToList();

        // Pure hashing would move users; the record keeps every one where they were.
        Assert.Contains(withoutRecord.Zip(first), p => p.First.VariantId != p.Second.VariantId);
        Assert.All(withRecord.Zip(first), p => Assert.Equal(p.Second.VariantId, p.First.VariantId));
        Assert.All(withRecord, a => Assert.Equal(AssignmentSource.Existing, a.Source));
        Assert.All(withRecord, a => Assert.False(a.ShouldRecord));
    }

    [Fact]
    public void Outside_the_window_the_control_is_served_and_not_recorded()
    {
        var experiment = Fixtures.Experiment();
        var a = VariantAssigner.Assign(experiment, "u1", experiment.InitialWeights, null, Fixtures.Stop.AddSeconds(1));
        Assert.Equal("control", a.VariantId);
        Assert.Equal(AssignmentSource.NotRunning, a.Source);
        Assert.False(a.ShouldRecord);
    }

    [Fact]
    public void Zero_weight_variants_are_never_chosen()
    {
        Assert.Equal(1, VariantAssigner.Bucket(0.0, [0.0, 1.0]));
        Assert.Equal(0, VariantAssigner.Bucket(0.9999999999, [1.0, 0.0]));
        Assert.Equal(2, VariantAssigner.Bucket(0.99999999999999989, [0.3, 0.3, 0.4 - 1e-15]));
    }

    [Fact]
    public void A_record_for_another_user_is_refused()
    {
        var experiment = Fixtures.Experiment();
        var other = new VariantAssignment("ranker", "someone-else", "control", During, 0.1, AssignmentSource.Hashed);
        Assert.Throws<ArgumentException>(() => VariantAssigner.Assign(experiment, "u1", experiment.InitialWeights, other, During));
    }
}
