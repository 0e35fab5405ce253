using System.Text.Json;
using Serverless.Experiments.Allocation;
using Serverless.Experiments.Assignment;
using Serverless.Experiments.Definitions;
using Serverless.Experiments.Serialization;

namespace Serverless.Experiments.Tests;

public class SerializationTests
{
    [Fact]
    public void Allocation_state_round_trips_with_its_history()
    {
        var definition = Fixtures.Experiment(variants: 3, mode: AllocationMode.ThompsonSampling);
        var aggregate = StatisticsReportTests.Build(definition, [(2_000, 100), (2_000, 100), (2_000, 300)]);
        var state = ExperimentAnalyzer.Recompute(definition, aggregate, null, Fixtures.Start.AddDays(1), new() { MonteCarloDraws = 5_000 }).Allocation.State;

        var json = JsonSerializer.Serialize(state, ExperimentsJsonContext.Default.AllocationState);
        var back = JsonSerializer.Deserialize(json, ExperimentsJsonContext.Default.AllocationState)!;
        Assert.Equal(state.Current, back.Current);
        Assert.Equal(state.History.Count, back.History.Count);
        Assert.Equal(AllocationReason.Reallocated, back.History[^1].Reason);
        Assert.Contains("\"reason\":\"Reallocated\"", json, StringComparison.Ordinal);
        Assert.Equal(json, JsonSerializer.Serialize(back, ExperimentsJsonContext.Default.AllocationState));
    }

    [Fact]
    public void Assignments_round_trip_for_the_document_store()
    {
        var assignment = new VariantAssignment("ranker", "u1", "control", Fixtures.Start, 0.25, AssignmentSource.Hashed);
        var json = JsonSerializer.Serialize(assignment, ExperimentsJsonContext.Default.VariantAssignment);
        Assert.Equal(assignment, JsonSerializer.Deserialize(json, ExperimentsJsonContext.Default.VariantAssignment));
    }

    [Fact]
    public void Weights_that_are_not_a_distribution_are_refused_on_read()
    {
        const string json = """{"experimentId":"x","current":{"weights":[{"variantId":"a","weight":0.7},{"variantId":"b","weight":0.7}]},"history":[]}""";
        Assert.Throws<ArgumentException>(() => JsonSerializer.Deserialize(json, ExperimentsJsonContext.Default.AllocationState));
    }
}
