using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Durable.Embedded;
using Serverless.Storage.Documents;
using Serverless.Training.Contract;
using Serverless.Workflows.Recommendations;
using Serverless.Workflows.Tests.Recommendations;
using Serverless.Workflows.Training;

namespace Serverless.Workflows.Tests.Training;

/// <summary>
/// The recommendation refresh with training as a job on the local runner (the built trainer executable
/// as a child process) against the same refresh with in-process training: same seed, same lists.
/// </summary>
public sealed class RecommendationJobEndToEndTests
{
    private const string Service = "mini";

    [Fact]
    public async Task Training_on_the_local_runner_publishes_the_same_lists_as_in_process_training()
    {
        await using var inProcess = await Refresh.RunAsync(job: false);
        await using var job = await Refresh.RunAsync(job: true);

        var a = Assert.Single(inProcess.Result.Services);
        var b = Assert.Single(job.Result.Services);
        Assert.True(a.Outcome == ServiceRefreshOutcome.Published, a.Reason);
        Assert.True(b.Outcome == ServiceRefreshOutcome.Published, b.Reason);
        Assert.Equal(a.Model!.ModelVersion, b.Model!.ModelVersion);
        Assert.Equal(a.Version, b.Version);
        Assert.Equal(a.Model.Backend, b.Model.Backend);
        Assert.Equal(a.Evaluation!.ModelNdcg, b.Evaluation!.ModelNdcg);

        var expected = await inProcess.ListsAsync();
        var actual = await job.ListsAsync();
        Assert.Equal(a.Model.Users + a.Model.Items, expected.Count);
        Assert.Equal(expected, actual);

        // The job really ran: the local runner's record, the trainer's manifest beside the model, the model in its usual place.
        var jobName = TrainingJobName.FromInstance($"{job.InstanceId}-train-{Service}");
        Assert.Contains("\"status\": \"Completed\"", await File.ReadAllTextAsync(Path.Combine(job.Root, "training", "jobs", jobName, "job.json")), StringComparison.OrdinalIgnoreCase);
        Assert.True(await job.Services.GetRequiredService<Serverless.Storage.Blobs.IBlobStore>().ExistsAsync(RecommendationTrainingJob.JobFolder(Service, jobName) + "/model/manifest.json"));
        Assert.Equal(a.Model.ModelPath, b.Model.ModelPath);
        Assert.False(Directory.Exists(Path.Combine(inProcess.Root, "training", "jobs")));
    }

    /// <summary>One refresh in its own folder, with training in process or as a local job.</summary>
    private sealed class Refresh : IAsyncDisposable
    {
        private readonly ServiceProvider _services;
        private readonly EmbeddedEngine _engine;

        private Refresh(string root, ServiceProvider services, EmbeddedEngine engine, string instanceId, RecommendationRefreshResult result)
        {
            Root = root;
            _services = services;
            _engine = engine;
            InstanceId = instanceId;
            Result = result;
        }

        public string Root { get; }

        public IServiceProvider Services => _services;

        public string InstanceId { get; }

        public RecommendationRefreshResult Result { get; }

        public static async Task<Refresh> RunAsync(bool job)
        {
            var root = LocalJobRun.NewFolder("recs-job-e2e-");
            await File.WriteAllTextAsync(Path.Combine(root, "recommendations.json"), RecommendationTestEnvironment.SmallSettings);
            var settings = LocalJobRun.Settings(root, job, RecommendationSettings.TrainingKey);
            settings[RecommendationSettings.ConfigPathKey] = "recommendations.json";
            var services = LocalJobRun.Services(root, settings);
            var engine = await LocalJobRun.StartEngineAsync(services);

            var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(RecommendationRefreshOrchestrator.Name, new RecommendationRefreshInput(Seed: 5));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            var state = await engine.Client.WaitForInstanceCompletionAsync(id, true, timeout.Token);
            Assert.True(state.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"{state.RuntimeStatus}: {state.FailureDetails}");
            return new Refresh(root, services, engine, id, state.ReadOutputAs<RecommendationRefreshResult>()!);
        }

        /// <summary>Every published list (user-to-items and item-to-items) by partition and id.</summary>
        public async Task<SortedDictionary<string, string>> ListsAsync()
        {
            var documents = _services.GetRequiredService<IDocumentStore>();
            var lists = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var partition in new[] { RecommendationPaths.UserPartition(Service), RecommendationPaths.ItemPartition(Service) })
            {
                await foreach (var document in documents.QueryAsync(partition)) lists[partition + "|" + document.Id] = document.Body.GetRawText();
            }
            return lists;
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

/// <summary>The trainer executable built beside this test project (same configuration), as the local runner starts it.</summary>
internal static class TrainerLocator
{
    public static string Executable { get; } = Find();

    private static string Find()
    {
        var baseDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = baseDirectory.Name;
        var configuration = baseDirectory.Parent!.Name;
        var repository = baseDirectory;
        while (repository is not null && !File.Exists(Path.Combine(repository.FullName, "Serverless.sln"))) repository = repository.Parent;
        Assert.True(repository is not null, $"no Serverless.sln above {AppContext.BaseDirectory}");
        var name = OperatingSystem.IsWindows() ? "serverless-trainer.exe" : "serverless-trainer";
        var path = Path.Combine(repository!.FullName, "tools", "Serverless.Trainer", "bin", configuration, framework, name);
        Assert.True(File.Exists(path), $"the trainer is not built at {path}; build tools/Serverless.Trainer (the test project references it)");
        return path;
    }
}
