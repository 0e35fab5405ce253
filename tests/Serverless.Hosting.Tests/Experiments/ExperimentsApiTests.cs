using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Serverless.Hosting.Tests.Experiments;

/// <summary>The experiments and events routes on a real local host with the built-in sample definitions.</summary>
public sealed class ExperimentsApiTests
{
    private static string Event(string id, string experiment, string variant, string user, string type, int second, double? value = null) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["eventId"] = id, ["experiment"] = experiment, ["variant"] = variant, ["user"] = user, ["type"] = type,
            ["value"] = value, ["timestamp"] = new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero).AddSeconds(second).ToString("O", CultureInfo.InvariantCulture),
        }.Where(p => p.Value is not null).ToDictionary());

    private static async Task<JsonElement> WaitCompletedAsync(TestHost host, string instanceId)
    {
        var status = await host.WaitForStatusAsync(instanceId, s => TestHost.RuntimeStatus(s) is "Completed" or "Failed" or "Terminated");
        Assert.Equal("Completed", TestHost.RuntimeStatus(status));
        return status.GetProperty("output");
    }

    [Fact]
    public async Task A_posted_batch_is_applied_by_its_workflow_and_shows_in_the_experiment()
    {
        await using var host = await TestHost.StartAsync();
        var events = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            var variant = i % 2 == 0 ? "als-v1" : "als-v2";
            events.Add(Event($"x{i}", "ranker-2026", variant, $"u{i}", "exposure", i));
            if (i % 4 == 1) events.Add(Event($"c{i}", "ranker-2026", variant, $"u{i}", "conversion", i + 1));
        }
        events.Add(Event("bad1", "ranker-2026", "als-v9", "u1", "exposure", 1));
        events.Add(Event("bad2", "no-such-experiment", "a", "u1", "exposure", 1));
        var body = "[" + string.Join(",", events) + "]";

        var response = await host.Http.PostAsync("api/events", TestHost.JsonBody(body));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(52, accepted.GetProperty("records").GetInt32());
        Assert.Equal(50, accepted.GetProperty("accepted").GetInt32());
        Assert.Equal(1, accepted.GetProperty("quarantinedByReason").GetProperty("UnknownVariant").GetInt32());
        Assert.Equal(1, accepted.GetProperty("quarantinedByReason").GetProperty("UnknownExperiment").GetInt32());
        Assert.False(accepted.GetProperty("duplicate").GetBoolean());
        var instanceId = accepted.GetProperty("id").GetString()!;
        var output = await WaitCompletedAsync(host, instanceId);
        Assert.Equal("Applied", output.GetProperty("experiments")[0].GetProperty("outcome").GetString());

        var experiment = await host.Http.GetFromJsonAsync<JsonElement>("api/experiments/ranker-2026");
        var variants = experiment.GetProperty("analysis").GetProperty("statistics").GetProperty("variants");
        Assert.Equal([20L, 20L], variants.EnumerateArray().Select(v => v.GetProperty("exposedUsers").GetInt64()));
        Assert.Equal(10, variants[1].GetProperty("convertingUsers").GetInt64());
        Assert.True(variants[1].GetProperty("probabilityBest").GetDouble() > 0.9);
        Assert.Equal(JsonValueKind.Object, variants[1].GetProperty("estimateInterval").ValueKind);
        Assert.False(experiment.GetProperty("analysis").GetProperty("statistics").GetProperty("sampleRatio").GetProperty("mismatch").GetBoolean());
        Assert.True(experiment.GetProperty("allocation").GetProperty("history").GetArrayLength() >= 1);

        // The same batch again (other whitespace): the first instance is found, nothing runs twice.
        var again = await host.Http.PostAsync("api/events", TestHost.JsonBody("[\n" + string.Join(",\n", events) + "\n]"));
        var duplicate = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.True(duplicate.GetProperty("duplicate").GetBoolean());
        Assert.Equal(instanceId, duplicate.GetProperty("id").GetString());

        var list = await host.Http.GetFromJsonAsync<JsonElement>("api/experiments");
        var ranker = list.EnumerateArray().Single(e => e.GetProperty("id").GetString() == "ranker-2026");
        Assert.Equal(40, ranker.GetProperty("exposedUsers").GetInt64());
        Assert.Equal("thompson", ranker.GetProperty("mode").GetString());
    }

    [Fact]
    public async Task JSON_lines_are_accepted_and_bad_lines_quarantined()
    {
        await using var host = await TestHost.StartAsync();
        var body = string.Join("\n",
            Event("v1", "checkout-banner", "none", "a", "exposure", 0),
            "not json at all",
            Event("v2", "checkout-banner", "free-shipping", "b", "exposure", 0),
            Event("v3", "checkout-banner", "free-shipping", "b", "conversion", 5, 12.5));

        var response = await host.Http.PostAsync("api/events", new StringContent(body, Encoding.UTF8, "application/x-ndjson"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(3, accepted.GetProperty("accepted").GetInt32());
        Assert.Equal(1, accepted.GetProperty("quarantinedByReason").GetProperty("MalformedJson").GetInt32());
        var output = await WaitCompletedAsync(host, accepted.GetProperty("id").GetString()!);
        Assert.EndsWith(".json", output.GetProperty("quarantinePath").GetString());
    }

    [Theory]
    [InlineData("[{\"eventId\": \"a\"", "not valid JSON")]
    [InlineData("   \n ", "empty")]
    [InlineData("[]", "no events")]
    public async Task A_batch_that_cannot_be_read_is_refused_with_400_and_starts_nothing(string body, string message)
    {
        await using var host = await TestHost.StartAsync();
        var response = await host.Http.PostAsync("api/events", TestHost.JsonBody(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        var instances = await host.Http.GetFromJsonAsync<JsonElement>("api/workflows");
        Assert.Equal(0, instances.GetProperty("instances").GetArrayLength());
    }

    [Fact]
    public async Task Assignment_is_sticky_and_names_the_variant_parameters()
    {
        await using var host = await TestHost.StartAsync();
        var first = await host.Http.GetFromJsonAsync<JsonElement>("api/experiments/ranker-2026/assignment?user=ada");
        var second = await host.Http.GetFromJsonAsync<JsonElement>("api/experiments/ranker-2026/assignment?user=ada");

        Assert.Equal(first.GetProperty("variant").GetString(), second.GetProperty("variant").GetString());
        Assert.Equal("Hashed", first.GetProperty("source").GetString());
        Assert.Equal("Existing", second.GetProperty("source").GetString());
        var variant = first.GetProperty("variant").GetString();
        Assert.Equal(variant == "als-v1" ? "als/v1" : "als/v2", first.GetProperty("parameters").GetProperty("model").GetString());
    }

    [Theory]
    [InlineData("api/experiments/nope", HttpStatusCode.NotFound, "no experiment 'nope'")]
    [InlineData("api/experiments/nope/assignment?user=a", HttpStatusCode.NotFound, "no experiment 'nope'")]
    [InlineData("api/experiments/ranker-2026/assignment", HttpStatusCode.BadRequest, "'user'")]
    public async Task Unknown_experiments_are_404_and_a_missing_user_is_400(string url, HttpStatusCode expected, string message)
    {
        await using var host = await TestHost.StartAsync();
        var response = await host.Http.GetAsync(url);
        Assert.Equal(expected, response.StatusCode);
        Assert.Contains(message, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Experiments_are_defined_and_replaced_over_HTTP_and_bad_definitions_refused_naming_line_and_field()
    {
        await using var host = await TestHost.StartAsync();
        const string definition = """
            {
              "control": "a", "mode": "thompson", "floorWeight": 0.1, "maxWeightStep": 0.05, "minimumExposurePerVariant": 100,
              "start": "2026-11-01T00:00:00Z",
              "variants": [ { "id": "a", "weight": 0.5, "parameters": { "model": "v1" } }, { "id": "b", "weight": 0.5, "parameters": { "model": "v2" } } ]
            }
            """;

        var created = await host.Admin.PutAsync("api/experiments/search-ranking", TestHost.JsonBody(definition));
        var replaced = await host.Admin.PutAsync("api/experiments/search-ranking", TestHost.JsonBody(definition));
        var bad = await host.Admin.PutAsync("api/experiments/search-ranking", TestHost.JsonBody("{\n \"control\": \"a\",\n \"start\": \"2026-11-01T00:00:00Z\",\n \"variants\": [ { \"id\": \"a\", \"weight\": 0.7 }, { \"id\": \"a\", \"weight\": 0.3 } ] }"));
        var malformed = await host.Admin.PutAsync("api/experiments/search-ranking", TestHost.JsonBody("{ nope"));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var error = await bad.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("duplicate variant id 'a'", error.GetProperty("error").GetString());
        Assert.Equal(4, error.GetProperty("errors")[0].GetProperty("line").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);

        var stored = await host.Http.GetFromJsonAsync<JsonElement>("api/experiments/search-ranking");
        Assert.Equal("http", stored.GetProperty("source").GetString());
        Assert.Equal(0.05, stored.GetProperty("definition").GetProperty("maxWeightStep").GetDouble());
        Assert.Equal(JsonValueKind.Null, stored.GetProperty("analysis").ValueKind);
        var assignment = await host.Http.GetFromJsonAsync<JsonElement>("api/experiments/search-ranking/assignment?user=u1");
        Assert.StartsWith("v", assignment.GetProperty("parameters").GetProperty("model").GetString());
    }

    [Fact]
    public async Task The_routes_need_a_key()
    {
        await using var host = await TestHost.StartAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Anonymous.GetAsync("api/experiments")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Anonymous.PostAsync("api/events", TestHost.JsonBody("[]"))).StatusCode);
    }
}
