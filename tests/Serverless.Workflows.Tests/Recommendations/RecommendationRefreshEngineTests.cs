using Serverless.Workflows.Tests.TestSupport;
using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Recommendations.Publishing;
using Serverless.Storage.Blobs;
using Serverless.Workflows.Recommendations;

namespace Serverless.Workflows.Tests.Recommendations;

/// <summary>The refresh end to end on the embedded engine, local blob store and SQLite documents, with a small synthetic service.</summary>
public sealed class RecommendationRefreshEngineTests
{
    private const string Service = "mini";

    [Fact]
    public async Task A_first_refresh_generates_the_data_and_publishes_every_list_with_its_version()
    {
        await using var env = await RecommendationTestEnvironment.StartAsync();

        var result = await env.RefreshAsync();

        var mini = Assert.Single(result.Services);
        Assert.True(mini.Outcome == ServiceRefreshOutcome.Published, mini.Reason);
        Assert.True(mini.Data!.Generated);
        Assert.True(mini.Evaluation!.ModelNdcg > mini.Evaluation.PopularityNdcg, mini.Reason);
        Assert.Null(mini.Evaluation.InServiceVersion);

        var snapshot = await env.SnapshotAsync(Service);
        var pointer = (await new RecommendationArtifacts(env.Blobs, env.Documents).ReadPointerAsync(Service, default))!;
        Assert.Equal(mini.Version, pointer.Version);
        Assert.Equal(mini.Model!.Users, snapshot.Keys.Count(k => k.StartsWith(RecommendationPaths.UserPartition(Service) + "|", StringComparison.Ordinal)));
        Assert.Equal(mini.Model.Items, snapshot.Keys.Count(k => k.StartsWith(RecommendationPaths.ItemPartition(Service) + "|", StringComparison.Ordinal)));
        Assert.Equal(mini.Model.Users, pointer.Summary.UserLists);
        Assert.Equal(3, pointer.UserShardPaths.Count);
        Assert.Equal(3, pointer.ItemShardPaths.Count);

        var list = (await new RecommendationArtifacts(env.Blobs, env.Documents).ReadPublishedListAsync(Service, ListKind.UserItems, "u000001", default))!;
        Assert.Equal(pointer.Version, list.Version);
        Assert.Equal(5, list.Items.Count);
        Assert.Equal(list.Items.Count, list.Items.Select(i => i.ItemId).Distinct().Count());

        // Artifacts with manifests: the model's carries the evaluation metrics, the lists' names the model.
        var manifest = PublishedListJson.ReadManifest(new MemoryStream(await env.Blobs.ReadAllBytesAsync(mini.Model.ManifestPath)));
        Assert.Equal(mini.Data.DataHash, manifest.DataHash);
        Assert.Equal(mini.Evaluation.ModelNdcg, manifest.Metrics["random-25%.model.ndcg@10"], 6);
        Assert.True(await env.Blobs.ExistsAsync(pointer.ListsPath + "/manifest.json"));
        Assert.True(await env.Blobs.ExistsAsync(result.ReportPath));
        Assert.Contains("1 published", await File.ReadAllTextAsync(Path.Combine(env.Root, "notifications.jsonl")));
    }

    [Theory]
    [InlineData("\"factors\": 1, \"iterations\": 1, \"regularization\": 10", "does not beat the popularity baseline")]
    [InlineData("\"factors\": 16, \"iterations\": 1, \"regularization\": 10", "worse than the lists in service")]
    public async Task A_second_refresh_with_a_worse_model_is_not_published_and_the_old_lists_stay(string worse, string why)
    {
        await using var env = await RecommendationTestEnvironment.StartAsync();
        var first = Assert.Single((await env.RefreshAsync()).Services);
        Assert.Equal(ServiceRefreshOutcome.Published, first.Outcome);
        var before = await env.SnapshotAsync(Service);

        await env.WriteSettingsAsync(RecommendationTestEnvironment.SmallSettings.Replace(
            "\"factors\": 16, \"iterations\": 8, \"regularization\": 10", worse, StringComparison.Ordinal));
        var second = Assert.Single((await env.RefreshAsync()).Services);

        Assert.True(second.Outcome == ServiceRefreshOutcome.Kept, second.Reason);
        Assert.StartsWith("Not published", second.Reason);
        Assert.Contains(why, second.Reason);
        Assert.Equal(first.Version, second.InServiceVersion);
        Assert.NotEqual(first.Version, second.Version);
        Assert.NotNull(second.Evaluation!.InServiceNdcg);
        Assert.Equal(before, await env.SnapshotAsync(Service));
    }

    [Fact]
    public async Task A_better_model_replaces_the_lists_in_service()
    {
        await using var env = await RecommendationTestEnvironment.StartAsync();
        var first = Assert.Single((await env.RefreshAsync()).Services);

        // On this small data four factors rank better than sixteen.
        await env.WriteSettingsAsync(RecommendationTestEnvironment.SmallSettings.Replace("\"factors\": 16", "\"factors\": 4", StringComparison.Ordinal));
        var second = Assert.Single((await env.RefreshAsync()).Services);

        Assert.True(second.Outcome == ServiceRefreshOutcome.Published, second.Reason);
        Assert.True(second.Evaluation!.ModelNdcg > second.Evaluation.InServiceNdcg!.Value);
        Assert.Equal(first.Version, second.InServiceVersion);
        var artifacts = new RecommendationArtifacts(env.Blobs, env.Documents);
        Assert.Equal(second.Version, (await artifacts.ReadPointerAsync(Service, default))!.Version);
        Assert.Equal(second.Version, (await artifacts.ReadPublishedListAsync(Service, ListKind.ItemItems, "i000003", default))!.Version);
        Assert.NotEqual(first.Version, second.Version);
    }

    [Fact]
    public async Task The_published_lists_themselves_cannot_be_judged_on_a_hold_out_of_the_log_they_were_built_from()
    {
        // Why the gate retrains the in-service parameters instead of scoring the published lists: those lists
        // leave out everything each user already had, held-out items included, so they never hit.
        await using var env = await RecommendationTestEnvironment.StartAsync();
        var first = Assert.Single((await env.RefreshAsync()).Services);
        var artifacts = new RecommendationArtifacts(env.Blobs, env.Documents);
        var lists = (await artifacts.ReadListsInServiceAsync(Service, default))!.Value.Lists;
        var dataset = (await artifacts.ImportInteractionsAsync(first.Data!.DataPath, default)).Dataset;

        var report = Serverless.Recommendations.Evaluation.RecommendationEvaluator.Evaluate(dataset,
            new Serverless.Recommendations.Factorization.AlsOptions { Factors = 16, Iterations = 8, Regularization = 10 }, lists);

        Assert.Equal(0, report.Primary.InService!.Ndcg);
        Assert.True(report.Primary.Model.Ndcg > 0.3);
    }

    [Fact]
    public async Task Publishing_again_writes_the_same_documents_and_no_duplicates()
    {
        await using var env = await RecommendationTestEnvironment.StartAsync();
        var first = Assert.Single((await env.RefreshAsync()).Services);
        var before = await env.SnapshotAsync(Service);

        // The same shard published twice more (as a redelivered activity would be).
        var publish = new RecommendationPublishShardActivity(env.Blobs, env.Documents);
        var pointer = (await new RecommendationArtifacts(env.Blobs, env.Documents).ReadPointerAsync(Service, default))!;
        for (var i = 0; i < 2; i++)
        {
            await publish.RunAsync(new TestActivityContext(RecommendationActivityNames.PublishShard, "test"),
                new PublishShardRequest(Service, pointer.Version, ListKind.UserItems, pointer.UserShardPaths[0]));
        }
        var after = await env.SnapshotAsync(Service);
        Assert.Equal(before.Keys, after.Keys);
        Assert.Equal(before.Values.Select(v => v.Body), after.Values.Select(v => v.Body));

        // A whole second refresh on the same data and settings: the same version, the same documents.
        var second = Assert.Single((await env.RefreshAsync()).Services);
        Assert.Equal(first.Version, second.Version);
        var again = await env.SnapshotAsync(Service);
        Assert.Equal(before.Keys, again.Keys);
        Assert.Equal(before.Where(p => p.Key != "pointer").Select(p => p.Value.Body), again.Where(p => p.Key != "pointer").Select(p => p.Value.Body));
    }

    public static TheoryData<string, string?, string> BadInputs() => new()
    {
        { "empty interaction file", "", "interactions.csv:1: header: the file is empty" },
        { "non-numeric weights", "user,item,weight\nu000001,i000001,abc\nu000002,i000002,lots\nu000003,i000003,1\n", "weight: 'abc' is not a number" },
        { "config naming unknown items", null, "field 'pinned': unknown items (no-such-job)" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_input_fails_the_service_with_a_clear_error_and_the_lists_in_service_stay(string what, string? interactions, string expected)
    {
        await using var env = await RecommendationTestEnvironment.StartAsync();
        Assert.Equal(ServiceRefreshOutcome.Published, Assert.Single((await env.RefreshAsync()).Services).Outcome);
        var before = await env.SnapshotAsync(Service);

        if (interactions is not null) await env.WriteBlobAsync(RecommendationPaths.DefaultInteractions(Service), interactions);
        else await env.WriteSettingsAsync(RecommendationTestEnvironment.SmallSettings.Replace(
            "\"maxPerCategory\": 3", "\"maxPerCategory\": 3, \"pinned\": [ { \"itemId\": \"no-such-job\", \"position\": 1 } ]", StringComparison.Ordinal));
        var result = Assert.Single((await env.RefreshAsync()).Services);

        Assert.True(result.Outcome == ServiceRefreshOutcome.Failed, what);
        Assert.Contains(expected, result.Reason);
        Assert.Contains("lists in service are unchanged", result.Reason);
        Assert.Equal(before, await env.SnapshotAsync(Service));
    }

    [Fact]
    public async Task An_unknown_service_in_the_input_fails_the_run_naming_the_configured_ones()
    {
        await using var env = await RecommendationTestEnvironment.StartAsync();

        var id = await env.Engine.Client.ScheduleNewOrchestrationInstanceAsync(RecommendationRefreshOrchestrator.Name,
            new RecommendationRefreshInput(["nope"]));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var state = await env.Engine.Client.WaitForInstanceCompletionAsync(id, true, timeout.Token);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, state.RuntimeStatus);
        Assert.Contains("Unknown service 'nope'; configured services: mini", state.FailureDetails!.ToString());
        Assert.Empty(await env.SnapshotAsync("mini"));
    }

    [Fact]
    public async Task The_seed_in_the_input_changes_the_model_and_the_version()
    {
        await using var env = await RecommendationTestEnvironment.StartAsync();
        var a = Assert.Single((await env.RefreshAsync(new RecommendationRefreshInput(Seed: 1))).Services);
        var settings = JsonDocument.Parse(await env.Blobs.ReadAllBytesAsync(RecommendationPaths.Run(a.Evaluation!.ReportPath.Split('/')[2]) + "/settings.json"));
        Assert.Equal(1UL, settings.RootElement.GetProperty("services")[0].GetProperty("als").GetProperty("seed").GetUInt64());
        var b = Assert.Single((await env.RefreshAsync(new RecommendationRefreshInput(Seed: 2))).Services);
        Assert.NotEqual(a.Model!.ModelVersion, b.Model!.ModelVersion);
        Assert.Equal(a.Data!.DataHash, b.Data!.DataHash);
    }
}
