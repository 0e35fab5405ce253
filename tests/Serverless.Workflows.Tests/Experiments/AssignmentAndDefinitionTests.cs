using System.Text;
using Serverless.Experiments.Allocation;
using Serverless.Experiments.Assignment;
using Serverless.Experiments.Definitions;
using Serverless.Storage.Documents;
using Serverless.Workflows.Experiments;

namespace Serverless.Workflows.Tests.Experiments;

public sealed class AssignmentAndDefinitionTests
{
    private static async Task SetWeightsAsync(ExperimentTestEnvironment env, string experimentId, params double[] weights)
    {
        var definition = await env.DefinitionAsync(experimentId);
        var current = await env.Get<ExperimentRecomputer>().GetAllocationAsync(definition);
        var next = new AllocationWeights(definition.Variants.Select((v, i) => new VariantWeight(v.Id, weights[i])).ToList());
        var state = current with
        {
            Current = next,
            History = [.. current.History, new WeightChange(ExperimentTestEnvironment.EventsStart, next, AllocationReason.Reallocated, "test")],
        };
        await env.Get<IDocumentStore>().UpsertAsync(ExperimentKeys.ExperimentPartition(experimentId), ExperimentKeys.AllocationId, state,
            ExperimentDocumentsJsonContext.Default.AllocationState);
    }

    [Fact]
    public async Task Assignments_are_deterministic_and_stay_with_the_user_when_the_weights_move()
    {
        await using var env = new ExperimentTestEnvironment();
        var service = env.Get<AssignmentService>();
        var users = Enumerable.Range(0, 400).Select(i => $"user-{i}").ToList();

        var before = new Dictionary<string, string>();
        foreach (var user in users) before[user] = (await service.AssignAsync("ranker", user))!.Variant;
        Assert.InRange(before.Values.Count(v => v == "als-v2"), 150, 250); // hashed onto 50/50

        await SetWeightsAsync(env, "ranker", 0.1, 0.9);
        foreach (var user in users)
        {
            var again = (await service.AssignAsync("ranker", user))!;
            Assert.Equal(before[user], again.Variant);
            Assert.Equal(AssignmentSource.Existing, again.Source);
        }

        // New users follow the new weights; the parameters come with the variant.
        var newcomers = new List<AssignmentView>();
        for (var i = 0; i < 400; i++) newcomers.Add((await service.AssignAsync("ranker", $"new-{i}"))!);
        Assert.InRange(newcomers.Count(a => a.Variant == "als-v2"), 330, 390);
        Assert.All(newcomers, a => Assert.Equal(a.Variant == "als-v2" ? "als/v2" : "als/v1", a.Parameters["model"]));

        // A fresh store (nothing recorded) gives the same first assignments for the same weights: hashing, not chance.
        await using var other = new ExperimentTestEnvironment();
        foreach (var user in users.Take(50)) Assert.Equal(before[user], (await other.Get<AssignmentService>().AssignAsync("ranker", user))!.Variant);
    }

    [Fact]
    public async Task Users_with_ids_that_are_not_document_ids_are_recorded_under_a_hash()
    {
        await using var env = new ExperimentTestEnvironment();
        var service = env.Get<AssignmentService>();
        const string user = "mail/ada?x#1";
        var first = (await service.AssignAsync("ranker", user))!;
        await SetWeightsAsync(env, "ranker", first.Variant == "als-v1" ? 0.1 : 0.9, first.Variant == "als-v1" ? 0.9 : 0.1);
        Assert.Equal(first.Variant, (await service.AssignAsync("ranker", user))!.Variant);
        Assert.StartsWith("h-", ExperimentKeys.UserDocumentId(user));
        Assert.Equal("u-plain", ExperimentKeys.UserDocumentId("plain"));
    }

    [Fact]
    public async Task Unknown_experiments_have_no_assignment_and_stopped_ones_serve_the_control_without_recording()
    {
        await using var env = new ExperimentTestEnvironment();
        var service = env.Get<AssignmentService>();
        Assert.Null(await service.AssignAsync("nope", "u1"));
        var finished = (await service.AssignAsync("finished", "u1"))!;
        Assert.Equal("a", finished.Variant);
        Assert.Equal(AssignmentSource.NotRunning, finished.Source);
        Assert.Null(await env.Get<IDocumentStore>().ReadAsync(ExperimentKeys.AssignmentsPartition("finished"), ExperimentKeys.UserDocumentId("u1")));
    }

    [Fact]
    public async Task Configured_definitions_are_seeded_and_an_HTTP_definition_replaces_and_outlives_them()
    {
        await using var env = new ExperimentTestEnvironment();
        var store = env.Get<ExperimentDefinitionStore>();
        var listed = await store.ListAsync();
        Assert.Equal(["banner", "finished", "ranker"], listed.Select(d => d.Definition.Id));
        Assert.All(listed, d => Assert.True(d.Stored.FromConfiguration));

        // The id may be left to the path.
        var body = """
            {
              "control": "off", "mode": "fixed", "start": "2026-10-01T00:00:00Z",
              "variants": [ { "id": "off", "weight": 0.2 }, { "id": "on", "weight": 0.8, "parameters": { "banner": "big" } } ]
            }
            """;
        var (definition, created) = await store.PutAsync("banner", Encoding.UTF8.GetBytes(body), "HTTP body");
        Assert.False(created);
        Assert.Equal(0.8, definition.Variants[1].InitialWeight);

        // Another process starting with the same configuration does not undo the HTTP definition.
        var restarted = new ExperimentDefinitionStore(env.Get<IDocumentStore>(), env.Get<ExperimentsSettings>(), TimeProvider.System);
        var banner = (await restarted.GetAsync("banner"))!.Value;
        Assert.Equal(StoredExperimentDefinition.HttpSource, banner.Stored.Source);
        Assert.Equal("big", banner.Definition.Variants[1].Parameters["banner"]);

        var (added, isNew) = await store.PutAsync("search-2026", Encoding.UTF8.GetBytes(body), "HTTP body");
        Assert.True(isNew);
        Assert.Equal("search-2026", added.Id);
    }

    [Theory]
    [InlineData("banner", """{ "id": "other", "control": "a", "start": "2026-10-01T00:00:00Z", "variants": [ { "id": "a", "weight": 0.5 }, { "id": "b", "weight": 0.5 } ] }""", "does not match the id in the path")]
    [InlineData("banner", "{\n  \"control\": \"a\",\n  \"start\": \"2026-10-01T00:00:00Z\",\n  \"floorWeigth\": 0.1,\n  \"variants\": [ { \"id\": \"a\", \"weight\": 0.5 }, { \"id\": \"b\", \"weight\": 0.5 } ] }", "line 4")]
    [InlineData("banner", """{ "control": "a", "start": "2026-10-01T00:00:00Z", "variants": [ { "id": "a", "weight": 0.5 }, { "id": "b", "weight": 0.6 } ] }""", "sum to 1")]
    [InlineData("bad/id", """{ "control": "a", "start": "2026-10-01T00:00:00Z", "variants": [ { "id": "a", "weight": 0.5 }, { "id": "b", "weight": 0.5 } ] }""", "is invalid")]
    [InlineData("banner", "{ not json", "malformed JSON")]
    public async Task Bad_definitions_are_refused_with_a_message_naming_the_problem_and_nothing_is_stored(string id, string body, string expected)
    {
        await using var env = new ExperimentTestEnvironment();
        var store = env.Get<ExperimentDefinitionStore>();
        var ex = await Assert.ThrowsAsync<ExperimentDefinitionException>(() => store.PutAsync(id, Encoding.UTF8.GetBytes(body), "HTTP body"));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP body", ex.Message, StringComparison.Ordinal);
        Assert.True((await store.GetAsync("banner"))!.Value.Stored.FromConfiguration);
    }

    [Fact]
    public async Task Without_a_definitions_file_the_built_in_sample_is_served()
    {
        await using var env = new ExperimentTestEnvironment(definitionsJson: null);
        var listed = await env.Get<ExperimentDefinitionStore>().ListAsync();
        Assert.Equal(["checkout-banner", "ranker-2026"], listed.Select(d => d.Definition.Id));
        Assert.Equal(AllocationMode.ThompsonSampling, listed.Single(d => d.Definition.Id == "ranker-2026").Definition.Mode);
    }

    [Fact]
    public async Task A_definitions_file_with_an_error_names_the_file_line_and_field()
    {
        await using var env = new ExperimentTestEnvironment(definitionsJson: "{ \"experiments\": [\n { \"id\": \"x\", \"control\": \"a\",\n \"start\": \"2026-10-01T00:00:00Z\",\n \"variants\": [ { \"id\": \"a\", \"weight\": 1.5 }, { \"id\": \"b\", \"weight\": 0.5 } ] } ] }");
        var ex = await Assert.ThrowsAsync<ExperimentDefinitionException>(() => env.Get<ExperimentDefinitionStore>().ListAsync());
        Assert.Contains("experiments.json line 4", ex.Message, StringComparison.Ordinal);
        Assert.Contains("weight", ex.Message, StringComparison.Ordinal);
    }
}
