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
        Assert.Null(mini.Evaluation.InServiceNdcg);
        // Nothing in service: the gate compared with popularity and says so.
        Assert.StartsWith("Published: compared with popularity (no model in service", mini.Reason);
        Assert.Equal("latest-25%", mini.Evaluation.Split);

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
        Assert.Equal(mini.Evaluation.ModelNdcg, manifest.Metrics["gate.candidate.ndcg@10"], 6);
        Assert.Equal(RecommendationTestEnvironment.SmallData.Start.AddDays(RecommendationTestEnvironment.SmallData.Days), manifest.DataEndUtc!.Value, TimeSpan.FromDays(1));
        Assert.True(await env.Blobs.ExistsAsync(pointer.ListsPath + "/manifest.json"));
        // The published model is archived as it is, with the end of its data: the next gate's champion.
        Assert.Equal(RecommendationPaths.Archive(Service, mini.Model.ModelVersion) + "/model.als", pointer.ArchivedModelPath);
        Assert.Equal(await env.Blobs.ReadAllBytesAsync(mini.Model.ModelPath), await env.Blobs.ReadAllBytesAsync(pointer.ArchivedModelPath!));
        Assert.Equal(manifest.DataEndUtc, pointer.DataEndUtc);
        Assert.True(await env.Blobs.ExistsAsync(result.ReportPath));
        Assert.Contains("1 published", await File.ReadAllTextAsync(Path.Combine(env.Root, "notifications.jsonl")));
    }

    [Fact]
    public async Task A_worse_candidate_is_refused_against_a_stronger_champion_on_a_time_cut()
    {
        await using var env = await RecommendationTestEnvironment.StartAsync();
        await env.WriteLogUntilAsync(day: 60);
        var first = Assert.Single((await env.RefreshAsync()).Services);
        Assert.True(first.Outcome == ServiceRefreshOutcome.Published, first.Reason);
        var before = await env.SnapshotAsync(Service);

        // A month later, with a deliberately worse recipe: fewer factors and a lambda far too large.
        await env.WriteLogUntilAsync(day: null);
        await env.WriteSettingsAsync(RecommendationTestEnvironment.SmallSettings.Replace(
            "\"factors\": 16, \"iterations\": 8, \"regularization\": 10", "\"factors\": 2, \"iterations\": 8, \"regularization\": 400", StringComparison.Ordinal));
        var second = Assert.Single((await env.RefreshAsync()).Services);

        Assert.True(second.Outcome == ServiceRefreshOutcome.Kept, second.Reason);
        Assert.StartsWith("Not published: the new model is worse than the model in service", second.Reason);
        Assert.StartsWith("after-", second.Evaluation!.Split);
        Assert.Contains("arrived after its training data ended", second.Evaluation.Basis);
        Assert.True(second.Evaluation.InServiceNdcg > second.Evaluation.ModelNdcg * 1.1, second.Reason);
        Assert.Equal(first.Version, second.InServiceVersion);
        Assert.Equal(before, await env.SnapshotAsync(Service));
    }

    [Fact]
    public async Task A_better_candidate_on_new_data_replaces_the_model_in_service()
    {
        await using var env = await RecommendationTestEnvironment.StartAsync();
        await env.WriteLogUntilAsync(day: 60);
        var first = Assert.Single((await env.RefreshAsync()).Services);
        Assert.True(first.Outcome == ServiceRefreshOutcome.Published, first.Reason);

        // On this small data four factors rank better than sixteen.
        await env.WriteLogUntilAsync(day: null);
        await env.WriteSettingsAsync(RecommendationTestEnvironment.SmallSettings.Replace("\"factors\": 16", "\"factors\": 4", StringComparison.Ordinal));
        var second = Assert.Single((await env.RefreshAsync()).Services);

        Assert.True(second.Outcome == ServiceRefreshOutcome.Published, second.Reason);
        Assert.True(second.Evaluation!.ModelNdcg > second.Evaluation.InServiceNdcg!.Value, second.Reason);
        Assert.Equal(first.Version, second.InServiceVersion);
        var artifacts = new RecommendationArtifacts(env.Blobs, env.Documents);
        var pointer = (await artifacts.ReadPointerAsync(Service, default))!;
        Assert.Equal(second.Version, pointer.Version);
        Assert.Equal(second.Model!.ModelVersion, pointer.ModelVersion);
        Assert.Equal(second.Version, (await artifacts.ReadPublishedListAsync(Service, ListKind.ItemItems, "i000003", default))!.Version);
        Assert.NotEqual(first.Version, second.Version);
    }

    [Fact]
    public async Task Without_new_interactions_nothing_is_searched_and_the_model_in_service_is_published_again()
    {
        await using var env = await RecommendationTestEnvironment.StartAsync();
        var first = Assert.Single((await env.RefreshAsync()).Services);

        // Other parameters on the same data: nothing arrived to judge them on, so the model in service stays in service.
        await env.WriteSettingsAsync(RecommendationTestEnvironment.SmallSettings.Replace("\"factors\": 16", "\"factors\": 8", StringComparison.Ordinal));
        var second = Assert.Single((await env.RefreshAsync()).Services);

        Assert.True(second.Outcome == ServiceRefreshOutcome.Published, second.Reason);
        Assert.StartsWith("no search: only 0 users have interactions that arrived after the model in service was trained", second.Search!.Note);
        Assert.Contains("is the model in service", second.Reason);
        Assert.Equal(first.Model!.ModelVersion, second.Model!.ModelVersion);
        Assert.Equal(first.Version, second.Version);
        // Nothing was measured, so the model keeps the figures it was first published with.
        Assert.Equal(0, second.Evaluation!.TestUsers);
        Assert.Equal(first.Evaluation!.ModelNdcg, second.Evaluation.ModelNdcg, 6);
        var manifest = PublishedListJson.ReadManifest(new MemoryStream(await env.Blobs.ReadAllBytesAsync(second.Model.ManifestPath)));
        Assert.Equal(first.Evaluation.ModelNdcg, manifest.Metrics["gate.candidate.ndcg@10"], 6);
        Assert.Equal(first.Evaluation.ModelNdcg, (await new RecommendationArtifacts(env.Blobs, env.Documents).ReadPointerAsync(Service, default))!.ModelNdcg, 6);
    }

    [Fact]
    public async Task With_too_few_new_users_a_model_other_than_the_one_in_service_is_kept()
    {
        await using var env = await RecommendationTestEnvironment.StartAsync();
        var end = RecommendationTestEnvironment.SmallData.Days;
        await env.WriteLogUntilAsync(day: end - 0.05); // all but the last hour or so
        var first = Assert.Single((await env.RefreshAsync()).Services);
        var before = await env.SnapshotAsync(Service);

        await env.WriteLogUntilAsync(day: null);
        var second = Assert.Single((await env.RefreshAsync()).Services);

        Assert.True(second.Outcome == ServiceRefreshOutcome.Kept, second.Reason);
        Assert.Matches("only [0-9]+ users have interactions that arrived after the model in service", second.Reason);
        Assert.NotEqual(first.Model!.ModelVersion, second.Model!.ModelVersion);
        Assert.Equal(before, await env.SnapshotAsync(Service));
    }

    [Fact]
    public async Task A_model_in_service_published_before_models_were_archived_falls_back_to_popularity_and_the_report_says_so()
    {
        await using var env = await RecommendationTestEnvironment.StartAsync();
        Assert.Equal(ServiceRefreshOutcome.Published, Assert.Single((await env.RefreshAsync()).Services).Outcome);
        var artifacts = new RecommendationArtifacts(env.Blobs, env.Documents);
        var pointer = (await artifacts.ReadPointerAsync(Service, default))!;
        await artifacts.WritePointerAsync(pointer with { ArchivedModelPath = null, ArchivedManifestPath = null, DataEndUtc = null }, default);

        var second = Assert.Single((await env.RefreshAsync()).Services);

        Assert.True(second.Outcome == ServiceRefreshOutcome.Published, second.Reason);
        Assert.Contains("was published before models were archived and cannot be scored, so compared with popularity", second.Reason);
        Assert.Null(second.Evaluation!.InServiceNdcg);
        Assert.Equal(pointer.Version, second.InServiceVersion);
    }

    [Fact]
    public async Task The_search_fans_out_its_trials_trains_the_winner_and_the_report_carries_the_table_the_same_for_the_same_seed()
    {
        const string search = "\"search\": { \"factors\": [4, 16], \"regularization\": [10], \"alpha\": [1, 3], \"iterations\": [8], \"weightings\": [\"raw\", \"log\"], \"easeRegularization\": [50], \"maxTrials\": 5, \"parallelTrials\": 2 },";
        var settings = RecommendationTestEnvironment.SmallSettings.Replace("\"als\":", search + " \"als\":", StringComparison.Ordinal);
        await using var env = await RecommendationTestEnvironment.StartAsync(settings);
        await using var twin = await RecommendationTestEnvironment.StartAsync(settings);

        var result = await env.RefreshAsync();
        var mini = Assert.Single(result.Services);
        var again = Assert.Single((await twin.RefreshAsync()).Services);

        Assert.True(mini.Outcome == ServiceRefreshOutcome.Published, mini.Reason);
        var table = mini.Search!.Summary!;
        Assert.Equal(5, table.Trials.Count);
        Assert.True(table.Trials[0].IsDefaults);
        Assert.Equal(Serverless.Recommendations.Models.ModelFamily.Ease, table.Trials[1].Recipe.Family);
        Assert.Equal(table.Trials.Max(t => t.Validation.Ndcg), table.Winner.Validation.Ndcg);
        Assert.StartsWith("validation-latest-25%", table.ValidationSplit);
        Assert.Equal(mini.Search.Winner.VersionFor(mini.Data!.DataHash), mini.Model!.ModelVersion);
        Assert.NotNull(mini.Evaluation!.DefaultsNdcg);

        // The report carries the table; the search has its own file too.
        var report = JsonDocument.Parse(await env.Blobs.ReadAllBytesAsync(result.ReportPath)).RootElement;
        Assert.Equal(5, report.GetProperty("services")[0].GetProperty("search").GetProperty("summary").GetProperty("trials").GetArrayLength());
        Assert.True(await env.Blobs.ExistsAsync(mini.Search.SummaryPath!));

        // Deterministic for a seed: the same trials, figures, winner and model in another run.
        Assert.Equal(table.Trials.Select(t => (t.Recipe, t.Validation)), again.Search!.Summary!.Trials.Select(t => (t.Recipe, t.Validation)));
        Assert.Equal(mini.Model.ModelVersion, again.Model!.ModelVersion);
        Assert.Equal(mini.Evaluation.ModelNdcg, again.Evaluation!.ModelNdcg);
    }

    [Fact]
    public async Task The_published_lists_themselves_cannot_be_judged_on_a_hold_out_of_the_log_they_were_built_from()
    {
        // Why the gate scores the archived model on what arrived after it was trained instead of scoring the published
        // lists on a hold-out: those lists leave out everything each user already had, held-out items included, so they never hit.
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
        { "search space with no valid point", null, "field 'search': the search space has no valid point: ALS has no combination ('alpha' lists no value); EASE does not apply to 149 items (easeMaxItems 100)." },
        { "champion model file missing", null, "the archived model in service (lists " },
        { "champion model file corrupt", null, "cannot be read: Not a recommendation model stream" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_input_fails_the_service_with_a_clear_error_and_the_lists_in_service_stay(string what, string? interactions, string expected)
    {
        await using var env = await RecommendationTestEnvironment.StartAsync();
        Assert.Equal(ServiceRefreshOutcome.Published, Assert.Single((await env.RefreshAsync()).Services).Outcome);
        var before = await env.SnapshotAsync(Service);

        var pointer = (await new RecommendationArtifacts(env.Blobs, env.Documents).ReadPointerAsync(Service, default))!;
        if (interactions is not null) await env.WriteBlobAsync(RecommendationPaths.DefaultInteractions(Service), interactions);
        else if (what.StartsWith("config", StringComparison.Ordinal)) await env.WriteSettingsAsync(RecommendationTestEnvironment.SmallSettings.Replace(
            "\"maxPerCategory\": 3", "\"maxPerCategory\": 3, \"pinned\": [ { \"itemId\": \"no-such-job\", \"position\": 1 } ]", StringComparison.Ordinal));
        else if (what.StartsWith("search", StringComparison.Ordinal)) await env.WriteSettingsAsync(RecommendationTestEnvironment.SmallSettings.Replace(
            "\"als\":", "\"search\": { \"alpha\": [], \"easeMaxItems\": 100 }, \"als\":", StringComparison.Ordinal));
        else if (what.EndsWith("missing", StringComparison.Ordinal)) await env.Blobs.DeleteAsync(pointer.ArchivedModelPath!);
        else await env.WriteBlobAsync(pointer.ArchivedModelPath!, "this is not a model");
        var result = Assert.Single((await env.RefreshAsync()).Services);

        Assert.True(result.Outcome == ServiceRefreshOutcome.Failed, what);
        Assert.True(result.Reason.Contains(expected, StringComparison.Ordinal), result.Reason);
        if (what.StartsWith("champion", StringComparison.Ordinal)) Assert.Contains(pointer.ArchivedModelPath!, result.Reason);
        Assert.Contains("lists in service are unchanged", result.Reason);
        Assert.Equal(before, await env.SnapshotAsync(Service));
    }

    [Theory]
    [InlineData("\"maxTrials\": 0", "field 'services[0].search.maxTrials': a budget of 0 trials leaves nothing to search")]
    [InlineData("\"maxSeconds\": 0", "field 'services[0].search.maxSeconds': a time budget of 0 s leaves nothing to search")]
    public async Task A_search_budget_of_zero_fails_the_run_before_anything_is_written(string budget, string expected)
    {
        await using var env = await RecommendationTestEnvironment.StartAsync(RecommendationTestEnvironment.SmallSettings.Replace(
            "\"als\":", "\"search\": { " + budget + " }, \"als\":", StringComparison.Ordinal));

        var id = await env.Engine.Client.ScheduleNewOrchestrationInstanceAsync(RecommendationRefreshOrchestrator.Name, new RecommendationRefreshInput());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var state = await env.Engine.Client.WaitForInstanceCompletionAsync(id, true, timeout.Token);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, state.RuntimeStatus);
        Assert.Contains(expected, state.FailureDetails!.ToString());
        Assert.Contains("recommendations.json", state.FailureDetails.ToString());
        Assert.Empty(await env.SnapshotAsync(Service));
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
        // In a fresh place: here, with nothing new since the first refresh, the model in service would be trained again.
        await using var other = await RecommendationTestEnvironment.StartAsync();
        var b = Assert.Single((await other.RefreshAsync(new RecommendationRefreshInput(Seed: 2))).Services);
        Assert.NotEqual(a.Model!.ModelVersion, b.Model!.ModelVersion);
        Assert.Equal(a.Data!.DataHash, b.Data!.DataHash);
    }
}
