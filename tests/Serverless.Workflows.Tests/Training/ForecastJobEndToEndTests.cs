using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Durable.Embedded;
using Serverless.Storage.Blobs;
using Serverless.Training.Contract;
using Serverless.Workflows.Forecasting;
using Serverless.Workflows.Tests.Forecasting;
using Serverless.Workflows.Training;

namespace Serverless.Workflows.Tests.Training;

/// <summary>
/// The weekly forecast with training as a job on the local runner (the built trainer executable as a
/// child process) against the same run with in-process training: same data, config and seed, so the
/// same model bytes and the same store files.
/// </summary>
public sealed class ForecastJobEndToEndTests
{
    [Fact]
    public async Task Training_on_the_local_runner_publishes_the_same_store_files_and_model_as_in_process_training()
    {
        await using var inProcess = await WeeklyRun.RunAsync(job: false);
        await using var job = await WeeklyRun.RunAsync(job: true);

        var a = inProcess.Output;
        var b = job.Output;
        Assert.Equal(("approved", "approved"), (a.Decision, b.Decision));
        Assert.Equal(a.Artifacts, b.Artifacts);
        Assert.Equal(JsonSerializer.Serialize(a.Model), JsonSerializer.Serialize(b.Model));
        Assert.Equal(3, a.Published.Count);
        Assert.Equal(a.Published.Select(p => (p.Store, p.Path, p.Lines, p.Units)), b.Published.Select(p => (p.Store, p.Path, p.Lines, p.Units)));

        // The published store files and the model the run stored: the same bytes.
        var compared = a.Published.Select(p => p.Path).Append(ForecastArtifacts.Model(a.Artifacts)).Append(ForecastArtifacts.ManifestOf(ForecastArtifacts.Model(a.Artifacts)));
        foreach (var path in compared)
        {
            var expected = await inProcess.Blobs.ReadAllBytesAsync(path);
            var actual = await job.Blobs.ReadAllBytesAsync(path);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{path} differs between in-process and job training");
        }

        // The job really ran: the local runner's record, the trainer's model and manifest in the job folder
        // (the model as the trainer wrote it is the stored one), none of it for in-process training.
        var jobName = TrainingJobName.FromInstance($"{job.InstanceId}-train");
        var record = await File.ReadAllTextAsync(Path.Combine(job.Root, "training", "jobs", jobName, "job.json"));
        Assert.Contains("\"status\": \"Completed\"", record, StringComparison.OrdinalIgnoreCase);
        var jobFolder = $"{b.Artifacts}/jobs/{jobName}/model";
        Assert.True(await job.Blobs.ExistsAsync(jobFolder + "/manifest.json"));
        var trained = await job.Blobs.ReadAllBytesAsync(jobFolder + "/model.bin");
        var stored = await inProcess.Blobs.ReadAllBytesAsync(ForecastArtifacts.Model(a.Artifacts));
        Assert.True(trained.AsSpan().SequenceEqual(stored), "the trainer's model.bin differs from the in-process model");
        Assert.False(Directory.Exists(Path.Combine(inProcess.Root, "training", "jobs")));
        Assert.Empty(await inProcess.ListAsync($"{a.Artifacts}/jobs/"));
    }

    /// <summary>One approved WeeklyForecast run in its own folder (the forecast tests' small chain and config), training in process or as a local job.</summary>
    private sealed class WeeklyRun : IAsyncDisposable
    {
        private readonly ServiceProvider _services;
        private readonly EmbeddedEngine _engine;

        private WeeklyRun(string root, ServiceProvider services, EmbeddedEngine engine, string instanceId, WeeklyForecastOutput output)
        {
            Root = root;
            _services = services;
            _engine = engine;
            InstanceId = instanceId;
            Output = output;
        }

        public string Root { get; }

        public string InstanceId { get; }

        public WeeklyForecastOutput Output { get; }

        public IBlobStore Blobs => _services.GetRequiredService<IBlobStore>();

        public static async Task<WeeklyRun> RunAsync(bool job)
        {
            var root = LocalJobRun.NewFolder("forecast-job-e2e-");
            var services = LocalJobRun.Services(root, LocalJobRun.Settings(root, job, ForecastWorkflowSettings.Section + ":Training"));
            await ForecastDatasets.GenerateAsync(services.GetRequiredService<IBlobStore>(), ForecastArtifacts.DefaultDataset, ForecastTestEnvironment.Chain);
            var engine = await LocalJobRun.StartEngineAsync(services);

            var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(WeeklyForecastOrchestrator.Name, ForecastTestEnvironment.Input() with { Seed = 5 });
            await engine.Client.RaiseEventAsync(id, WeeklyForecastOrchestrator.ReviewEvent, new ForecastReviewDecision("approve", "Tanaka"));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            var state = await engine.Client.WaitForInstanceCompletionAsync(id, true, timeout.Token);
            Assert.True(state.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"{state.RuntimeStatus}: {state.FailureDetails?.ErrorMessage}");
            return new WeeklyRun(root, services, engine, id, state.ReadOutputAs<WeeklyForecastOutput>()!);
        }

        public async Task<List<string>> ListAsync(string prefix)
        {
            var paths = new List<string>();
            await foreach (var item in Blobs.ListAsync(prefix)) paths.Add(item.Path);
            return paths;
        }

        public async ValueTask DisposeAsync()
        {
            await _engine.DisposeAsync();
            await _services.DisposeAsync();
            try { Directory.Delete(Root, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }
}
