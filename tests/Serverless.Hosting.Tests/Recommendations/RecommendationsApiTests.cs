using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Workflows.Recommendations;

namespace Serverless.Hosting.Tests.Recommendations;

/// <summary>A host whose small synthetic service was refreshed once, so its lists are in the document store.</summary>
public sealed class PublishedRecommendationsHost : IAsyncLifetime
{
    private const string Settings = """
        {
          "userShardSize": 200,
          "itemShardSize": 100,
          "services": [
            {
              "service": "mini",
              "synthetic": { "users": 200, "items": 100, "interactions": 5000, "categories": 5, "tasteClusters": 3, "preferredCategoriesPerCluster": 2, "seed": 5 },
              "als": { "factors": 8, "iterations": 6, "regularization": 5 },
              "rules": { "listLength": 5 }
            },
            { "service": "later", "synthetic": {} }
          ]
        }
        """;

    private readonly string _folder = TestHost.CreateFolder();

    internal TestHost Host { get; private set; } = null!;

    public RecommendationRefreshResult Refresh { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(_folder, "recommendations.json"), Settings);
        Host = await TestHost.StartAsync(_folder, o => o.Settings[RecommendationSettings.ConfigPathKey] = "recommendations.json");
        var id = await Host.Client.ScheduleNewOrchestrationInstanceAsync(RecommendationRefreshOrchestrator.Name, new RecommendationRefreshInput(["mini"]));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var state = await Host.Client.WaitForInstanceCompletionAsync(id, true, timeout.Token);
        Assert.True(state.RuntimeStatus == OrchestrationRuntimeStatus.Completed, state.FailureDetails?.ToString());
        Refresh = state.ReadOutputAs<RecommendationRefreshResult>()!;
        Assert.Equal(ServiceRefreshOutcome.Published, Refresh.Services[0].Outcome);
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        TestHost.TryDelete(_folder);
    }
}

/// <summary>The serving routes over a real local host: lists with their version, and 404 with a message for what is unknown.</summary>
public sealed class RecommendationsApiTests(PublishedRecommendationsHost fixture) : IClassFixture<PublishedRecommendationsHost>
{
    private HttpClient Http => fixture.Host.Http;

    private string Version => fixture.Refresh.Services[0].Version!;

    [Fact]
    public async Task A_users_list_comes_with_the_version_in_service()
    {
        var list = await Http.GetFromJsonAsync<JsonElement>("api/recommendations/mini/users/u000001");

        Assert.Equal(Version, list.GetProperty("version").GetString());
        Assert.Equal("UserItems", list.GetProperty("kind").GetString());
        Assert.Equal("u000001", list.GetProperty("subjectId").GetString());
        Assert.Equal(5, list.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task An_items_similar_items_come_with_the_version_and_never_the_item_itself()
    {
        var list = await Http.GetFromJsonAsync<JsonElement>("api/recommendations/mini/items/i000002");

        Assert.Equal(Version, list.GetProperty("version").GetString());
        Assert.Equal("ItemItems", list.GetProperty("kind").GetString());
        var items = list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()).ToArray();
        Assert.Equal(5, items.Length);
        Assert.DoesNotContain("i000002", items);
    }

    [Theory]
    [InlineData("api/recommendations/mini/users/nobody", "Unknown user 'nobody' in service 'mini'")]
    [InlineData("api/recommendations/mini/items/no-such-item", "Unknown item 'no-such-item' in service 'mini'")]
    [InlineData("api/recommendations/nope/users/u000001", "Unknown service 'nope'; known services: later, mini")]
    [InlineData("api/recommendations/later/users/u000001", "Service 'later' has no lists in service yet")]
    [InlineData("api/recommendations/nope", "Unknown service 'nope'")]
    public async Task Unknown_services_users_and_items_are_404_with_a_clear_message(string path, string message)
    {
        var response = await Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(message, body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task The_service_list_shows_what_is_in_service_and_what_is_only_configured()
    {
        var services = await Http.GetFromJsonAsync<JsonElement>("api/recommendations");

        var mini = services.EnumerateArray().Single(s => s.GetProperty("service").GetString() == "mini");
        Assert.Equal(Version, mini.GetProperty("inService").GetProperty("version").GetString());
        Assert.Equal(200, mini.GetProperty("inService").GetProperty("summary").GetProperty("userLists").GetInt32());
        var later = services.EnumerateArray().Single(s => s.GetProperty("service").GetString() == "later");
        Assert.True(later.GetProperty("configured").GetBoolean());
        Assert.Equal(JsonValueKind.Null, later.GetProperty("inService").ValueKind);
    }

    [Fact]
    public async Task The_routes_need_a_function_key()
    {
        var response = await fixture.Host.Anonymous.GetAsync("api/recommendations/mini/users/u000001");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
