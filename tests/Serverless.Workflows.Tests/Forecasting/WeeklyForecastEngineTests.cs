using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Storage.Blobs;
using Serverless.Workflows.Common;
using Serverless.Workflows.Forecasting;

namespace Serverless.Workflows.Tests.Forecasting;

/// <summary>
/// WeeklyForecast end to end on the embedded engine with the local blob store and a small generated
/// chain: the published files, the review package, idempotent publication (a second run, and an engine
/// stopped in the middle of publishing), determinism, and bad input that publishes nothing.
/// </summary>
public sealed class WeeklyForecastEngineTests
{
    [Fact]
    public async Task An_approved_run_publishes_one_order_file_per_store_with_its_manifest()
    {
        await using var env = await ForecastTestEnvironment.StartAsync();

        var output = await env.RunApprovedAsync();

        Assert.Equal(("2024-06-01", "2024-06-03", "2024-06-09", "approved"), (output.RunDate, output.WeekStart, output.WeekEnd, output.Decision));
        Assert.Equal(3, output.Published.Count);
        Assert.All(output.Published, p => Assert.Equal("created", p.Outcome));
        Assert.Equal(output.Published.Select(p => $"stores/{p.Store}/orders/2024-06-03.json"), await env.ListAsync("stores/"));
        foreach (var published in output.Published)
        {
            var file = await env.ReadStoreFileAsync(published.Path);
            Assert.Equal(5, file.Lines.Count);
            Assert.All(file.Lines, l => Assert.Equal(7, l.Orders.Count));
            Assert.All(file.Lines, l => Assert.Equal(l.Orders.Sum(), l.WeekUnits));
            Assert.All(file.Lines, l => Assert.False(l.Adjusted));
            Assert.Equal(published.Units, file.Lines.Sum(l => l.WeekUnits));
            Assert.Equal(("2024-06-03", "2024-06-09", output.Model.Version), (file.WeekStart, file.WeekEnd, file.Manifest.ModelVersion));
            Assert.Equal(ForecastArtifacts.CodeVersion, file.Manifest.CodeVersion);
            Assert.Equal(40, file.Manifest.Parameters.Model.Iterations);
            Assert.Matches("^[0-9a-f]{64}$", file.Manifest.StoreDataHash);
            var csv = await env.Blobs.GetPropertiesAsync(published.ProposalPath!);
            Assert.Equal(file.Manifest.ProposalCsvSha256, csv!.ContentSha256);
        }
        Assert.Equal(output.Stores.Sum(s => s.OrderUnits), output.Published.Sum(p => p.Units));
        Assert.Equal(3, output.Model.Backtest.Count);
        foreach (var artifact in new[] { "run.json", "model/model.bin", "model/model.manifest.json", "review/package.json", "aggregates/S01.manifest.json", "forecasts/S02.json" })
        {
            Assert.True(await env.Blobs.ExistsAsync($"{output.Artifacts}/{artifact}"), artifact);
        }
        var notifications = await File.ReadAllLinesAsync(env.NotificationFile);
        Assert.Equal(2, notifications.Length);
        Assert.Contains("published", notifications[1]);
    }

    [Fact]
    public async Task The_review_package_follows_the_contract_and_an_adjustment_reaches_the_store_file()
    {
        await using var env = await ForecastTestEnvironment.StartAsync();
        var id = await env.StartRunAsync();
        var waiting = await WaitForReviewAsync(env, id);
        Assert.Equal("ForecastReviewed", waiting.WaitingFor);

        var pointer = await ForecastArtifacts.ReadJsonAsync<ForecastReviewPointer>(env.Blobs, ForecastArtifacts.ReviewPointer(id), CancellationToken.None);
        Assert.True(pointer.Deadline > DateTime.UtcNow.AddHours(23));
        using var package = JsonDocument.Parse(await env.Blobs.ReadAllBytesAsync(pointer.PackagePath));
        var root = package.RootElement;
        Assert.Equal(["instanceId", "runDate", "weekStart", "weekEnd", "serviceLevel", "deadline", "model", "summary", "flags", "series"],
            root.EnumerateObject().Select(p => p.Name));
        var series = root.GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(15, series.Count);
        var first = series[0];
        Assert.Equal(28, first.GetProperty("history").GetArrayLength());
        Assert.Equal(7, first.GetProperty("forecast").GetArrayLength());
        Assert.Equal(7, first.GetProperty("orders").GetArrayLength());
        Assert.Equal("2024-05-31", first.GetProperty("history")[27].GetProperty("date").GetString());
        Assert.Equal("2024-06-03", first.GetProperty("forecast")[0].GetProperty("date").GetString());
        // Flagged series come first.
        var flagged = series.Select(s => s.GetProperty("flags").GetArrayLength() > 0).ToList();
        Assert.Equal(flagged.OrderByDescending(f => f), flagged);
        var item = series.First(s => s.GetProperty("store").GetString() == "S02").GetProperty("item").GetString()!;

        await env.ReviewAsync(id, new ForecastReviewDecision("adjust", "Ito", "local festival", [new ForecastAdjustment("S02", item, 77)]));
        var state = await env.WaitAsync(id);

        var output = state.ReadOutputAs<WeeklyForecastOutput>()!;
        Assert.Equal("adjusted", output.Decision);
        var file = await env.ReadStoreFileAsync(output.Published.Single(p => p.Store == "S02").Path);
        var line = file.Lines.Single(l => l.Item == item);
        Assert.True(line.Adjusted);
        Assert.Equal(77, line.WeekUnits);
        Assert.Equal(77, line.Orders.Sum());
        Assert.Single(file.Lines, l => l.Adjusted);
        Assert.All((await env.ReadStoreFileAsync(output.Published.Single(p => p.Store == "S01").Path)).Lines, l => Assert.False(l.Adjusted));
    }

    [Fact]
    public async Task A_rejected_run_publishes_nothing()
    {
        await using var env = await ForecastTestEnvironment.StartAsync();
        var id = await env.StartRunAsync();
        await env.ReviewAsync(id, new ForecastReviewDecision("reject", "Suzuki"));

        var state = await env.WaitAsync(id);

        Assert.Equal("rejected", state.ReadOutputAs<WeeklyForecastOutput>()!.Decision);
        Assert.Empty(await env.ListAsync("stores/"));
    }

    [Fact]
    public async Task Publishing_the_same_week_again_writes_nothing_new()
    {
        await using var env = await ForecastTestEnvironment.StartAsync();
        var first = await env.RunApprovedAsync();
        var before = await PropertiesAsync(env, first);

        var second = await env.RunApprovedAsync();

        Assert.All(second.Published, p => Assert.Equal("already-present", p.Outcome));
        Assert.Equal(before, await PropertiesAsync(env, second));
        Assert.Equal(first.Published.Select(p => p.Units), second.Published.Select(p => p.Units));
    }

    [Fact]
    public async Task Other_orders_for_an_already_published_week_leave_the_store_file_unchanged()
    {
        await using var env = await ForecastTestEnvironment.StartAsync();
        var first = await env.RunApprovedAsync();
        var before = await PropertiesAsync(env, first);
        var item = (await env.ReadStoreFileAsync(first.Published[0].Path)).Lines[0].Item;

        // Someone else approves the same orders: the same files. Changed orders for S01: a conflict, reported, nothing overwritten.
        var same = await env.RunApprovedAsync(decision: new ForecastReviewDecision("approve", "Someone else"));
        var changed = await env.RunApprovedAsync(decision: new ForecastReviewDecision("adjust", "Someone else", null, [new ForecastAdjustment("S01", item, 999)]));

        Assert.All(same.Published, p => Assert.Equal("already-present", p.Outcome));
        var firstS02 = System.Text.Encoding.UTF8.GetString(await env.Blobs.ReadAllBytesAsync(first.Published[1].ProposalPath!));
        var changedS02 = System.Text.Encoding.UTF8.GetString(await env.Blobs.ReadAllBytesAsync(changed.Published[1].ProposalPath!));
        Assert.True(firstS02 == changedS02, $"S02 proposals differ:\n{firstS02}\n---\n{changedS02}");
        Assert.Equal(["conflict", "already-present", "already-present"], changed.Published.Select(p => p.Outcome));
        Assert.Equal(before, await PropertiesAsync(env, changed));
        Assert.Contains("conflicts", (await File.ReadAllLinesAsync(env.NotificationFile)).Last());
        Assert.NotEqual(999, (await env.ReadStoreFileAsync(first.Published[0].Path)).Lines[0].WeekUnits);
    }

    [Fact]
    public async Task An_engine_stopped_after_a_store_file_was_written_resumes_without_writing_it_twice()
    {
        // The publish step of S02 writes its store file, then hangs until the engine stops: its
        // completion is never recorded, so the restarted engine runs it again.
        StallingBlobStore? blobs = null;
        var root = Path.Combine(Path.GetTempPath(), "forecast-wf-" + Guid.NewGuid().ToString("N"));
        await using var env = await ForecastTestEnvironment.StartAsync(root, inner => blobs = new StallingBlobStore(inner, "stores/S02/"), durable: true);
        var id = await env.StartRunAsync();
        await env.ReviewAsync(id, new ForecastReviewDecision("approve", "Tanaka"));
        await blobs!.Stalled.Task.WaitAsync(TimeSpan.FromSeconds(120));

        await env.RestartEngineAsync();
        var state = await env.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, state.RuntimeStatus);
        var output = state.ReadOutputAs<WeeklyForecastOutput>()!;
        Assert.Equal("already-present", output.Published.Single(p => p.Store == "S02").Outcome);
        var storeFiles = blobs.Created.Where(p => p.StartsWith("stores/", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, storeFiles.Count);
        Assert.Equal(storeFiles.Distinct(), storeFiles);
        Assert.True(blobs.Attempts("stores/S02/orders/2024-06-03.json") >= 2);
    }

    [Fact]
    public async Task Two_runs_on_the_same_data_config_and_seed_give_the_same_bytes()
    {
        await using var a = await ForecastTestEnvironment.StartAsync();
        await using var b = await ForecastTestEnvironment.StartAsync();

        var outputA = await a.RunApprovedAsync(ForecastTestEnvironment.Input() with { Seed = 5 });
        var outputB = await b.RunApprovedAsync(ForecastTestEnvironment.Input() with { Seed = 5 });

        // Everything but the notification ids, which name the run (instance) so that receivers never drop another run's message.
        static WeeklyForecastOutput WithoutIds(WeeklyForecastOutput o) => o with { Notifications = o.Notifications!.Select(n => n with { Id = "" }).ToList() };
        Assert.Equal(JsonSerializer.Serialize(WithoutIds(outputA)), JsonSerializer.Serialize(WithoutIds(outputB)));
        // Everything but the instance's review pointer (named after its instance id).
        static bool OfTheRun(string path) => !path.StartsWith("forecast/reviews/", StringComparison.Ordinal);
        var filesA = (await a.ListAsync("")).Where(OfTheRun).ToList();
        Assert.Equal(filesA, (await b.ListAsync("")).Where(OfTheRun));
        var compared = 0;
        foreach (var path in filesA)
        {
            var bytesA = await a.Blobs.ReadAllBytesAsync(path);
            var bytesB = await b.Blobs.ReadAllBytesAsync(path);
            Assert.True(bytesA.AsSpan().SequenceEqual(bytesB), $"{path} differs");
            compared++;
        }
        Assert.True(compared > 30, $"only {compared} files compared");
        // The model file is among them: its bytes and its manifest's hash are the same too.
        Assert.Contains(ForecastArtifacts.Model(outputA.Artifacts), filesA);
    }

    [Fact]
    public async Task An_unknown_store_in_the_config_fails_the_run_with_a_clear_message_and_publishes_nothing()
    {
        await using var env = await ForecastTestEnvironment.StartAsync();
        var input = ForecastTestEnvironment.Input("""{ "stores": ["S01", "S99"] }""");

        var id = await env.StartRunAsync(input);
        var state = await env.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, state.RuntimeStatus);
        Assert.Contains("field 'stores': unknown store(s) 'S99'", state.FailureDetails!.ErrorMessage);
        Assert.Contains("input config", state.FailureDetails.ErrorMessage);
        Assert.Empty(await env.ListAsync("stores/"));
        Assert.Empty(await env.ListAsync("forecast/"));
    }

    [Fact]
    public async Task A_run_date_before_the_data_fails_with_a_clear_message_and_publishes_nothing()
    {
        await using var env = await ForecastTestEnvironment.StartAsync();

        var id = await env.StartRunAsync(ForecastTestEnvironment.Input(runDate: "2021-03-01"));
        var state = await env.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, state.RuntimeStatus);
        Assert.Contains("run date 2021-03-01 is before the data starts", state.FailureDetails!.ErrorMessage);
        Assert.Contains("datasets/forecast/builtin/sales.csv has sales from 2022-06-01 to 2024-05-31", state.FailureDetails.ErrorMessage);
        Assert.Empty(await env.ListAsync("stores/"));
    }

    [Fact]
    public async Task A_run_date_past_the_data_and_a_bad_config_value_are_refused_too()
    {
        await using var env = await ForecastTestEnvironment.StartAsync();

        var late = await env.WaitAsync(await env.StartRunAsync(ForecastTestEnvironment.Input(runDate: "2024-07-01")));
        var bad = await env.WaitAsync(await env.StartRunAsync(ForecastTestEnvironment.Input("""{ "serviceLevel": 1.5 }""")));
        var missing = await env.WaitAsync(await env.StartRunAsync(new WeeklyForecastInput(RunDate: "2024-06-01", ConfigPath: "nowhere.json")));

        Assert.Contains("ends on 2024-05-31; a run on 2024-07-01 needs sales up to 2024-06-30", late.FailureDetails!.ErrorMessage);
        Assert.Contains("field 'serviceLevel': must be strictly between 0 and 1", bad.FailureDetails!.ErrorMessage);
        Assert.Contains("configPath 'nowhere.json': there is no such file in the input folder", missing.FailureDetails!.ErrorMessage);
        Assert.Empty(await env.ListAsync("stores/"));
    }

    private static async Task<WorkflowStatus> WaitForReviewAsync(ForecastTestEnvironment env, string id)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        while (true)
        {
            var state = await env.Engine.Client.GetInstanceAsync(id, true, timeout.Token);
            Assert.False(state!.RuntimeStatus.IsTerminal(), $"{state.RuntimeStatus}: {state.FailureDetails?.ErrorMessage}");
            var status = state.ReadCustomStatusAs<WorkflowStatus>();
            if (status?.WaitingFor is not null) return status;
            await Task.Delay(20, timeout.Token);
        }
    }

    private static async Task<List<(string, string)>> PropertiesAsync(ForecastTestEnvironment env, WeeklyForecastOutput output)
    {
        var result = new List<(string, string)>();
        foreach (var p in output.Published)
        {
            var properties = await env.Blobs.GetPropertiesAsync(p.Path);
            result.Add((p.Path, $"{properties!.ETag}|{properties.LastModified:O}|{properties.ContentSha256}"));
        }
        return result;
    }

    /// <summary>The first write under a prefix succeeds and then hangs until the engine aborts the activity.</summary>
    private sealed class StallingBlobStore(IBlobStore inner, string prefix) : RecordingBlobStore(inner)
    {
        private readonly Dictionary<string, int> _attempts = [];
        private int _stalls;

        public TaskCompletionSource Stalled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Attempts(string path)
        {
            lock (_attempts) return _attempts.GetValueOrDefault(path);
        }

        public override async Task<BlobProperties> WriteAsync(string path, Stream content, BlobWriteCondition condition, CancellationToken cancellationToken = default)
        {
            if (path.StartsWith(prefix, StringComparison.Ordinal))
            {
                lock (_attempts) _attempts[path] = _attempts.GetValueOrDefault(path) + 1;
            }
            var written = await base.WriteAsync(path, content, condition, cancellationToken);
            if (path.StartsWith(prefix, StringComparison.Ordinal) && Interlocked.Increment(ref _stalls) == 1)
            {
                Stalled.TrySetResult();
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            return written;
        }
    }
}
