using System.Collections.Concurrent;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Durable.Embedded;
using Serverless.Training;
using Serverless.Training.Configuration;
using Serverless.Training.Contract;
using Serverless.Training.Local;
using Serverless.Workflows.Training;

namespace Serverless.Workflows.Tests.Training;

/// <summary>The TrainingJob sub-orchestration on the real embedded engine: a restart mid-job, and real local jobs.</summary>
public sealed class TrainingJobEngineTests : IDisposable
{
    private static readonly TrainingJobMonitorSettings FastMonitor = new()
    {
        FirstPollInterval = TimeSpan.FromMilliseconds(40),
        MaxPollInterval = TimeSpan.FromMilliseconds(160),
        CancelGracePeriod = TimeSpan.FromSeconds(20),
    };

    private readonly string _root = Path.Combine(Path.GetTempPath(), "serverless-workflow-training", Guid.NewGuid().ToString("N"));

    public TrainingJobEngineTests()
    {
        Directory.CreateDirectory(_root);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A trainer killed a moment ago may still hold its log; the temp folder is cleaned later.
        }
    }

    private EmbeddedEngine Engine(ITrainingJobService service, TrainingMode mode = TrainingMode.Local)
    {
        var services = new SingleServiceProvider(new TrainingBackend(mode, service));
        return new EmbeddedEngine(WorkflowCatalog.Create(), new EmbeddedEngineOptions
        {
            DatabasePath = Path.Combine(_root, "engine.db"),
            PollInterval = TimeSpan.FromMilliseconds(20),
        }, services);
    }

    private static TrainingJobSpec Spec(string? environment = null, TimeSpan? timeout = null, params string[] arguments) => new()
    {
        Name = "from-instance",
        Command = "serverless-trainer",
        Environment = environment,
        Arguments = arguments,
        Inputs = new Dictionary<string, TrainingJobInput> { ["data"] = new("file:datasets/data.csv", TrainingDataKind.UriFile) },
        Outputs = new Dictionary<string, TrainingJobOutput> { ["model"] = new("file:models/m1") },
        MetricsOutput = "model",
        Timeout = timeout ?? TimeSpan.FromMinutes(5),
    };

    private static async Task<OrchestrationMetadata> CompletionAsync(EmbeddedEngine engine, string id)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return await engine.Client.WaitForInstanceCompletionAsync(id, true, deadline.Token);
    }

    [Fact]
    public async Task A_restart_during_a_job_resumes_monitoring_without_a_second_submit()
    {
        var service = new ScriptedJobService();
        const string id = "refresh-restart-train-als";

        await using (var first = Engine(service))
        {
            await first.StartAsync();
            await first.Client.ScheduleNewOrchestrationInstanceAsync(TrainingJobOrchestrator.Name,
                new TrainingJobRequest(Spec(), FastMonitor), new StartOrchestrationOptions(id));
            await service.WaitForPollsAsync(2);
        }
        var pollsBeforeRestart = service.Polls;
        Assert.Equal(1, service.Submits);

        await using var second = Engine(service);
        await second.StartAsync();
        await service.WaitForPollsAsync(pollsBeforeRestart + 2);
        service.Status = TrainingJobStatus.Completed;
        var done = await CompletionAsync(second, id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(1, service.Submits);
        Assert.Equal([TrainingJobName.FromInstance(id)], service.SubmittedNames.Distinct());
        var result = done.ReadOutputAs<TrainingJobResult>()!;
        Assert.Equal(TrainingJobName.FromInstance(id), result.Name);
        Assert.True(result.Polls > pollsBeforeRestart, $"{result.Polls} polls in all, {pollsBeforeRestart} before the restart");
        Assert.Equal("file:models/m1/metrics.json", result.MetricsUri);
    }

    [Fact]
    public async Task A_local_trainer_runs_to_completion_and_its_metrics_come_back()
    {
        File.WriteAllText(Directory.CreateDirectory(Path.Combine(_root, "datasets")).FullName + "/data.csv", "a,b\n1,2\n");
        var script = Script("trainer.sh", """
            echo "training on $1"
            mkdir -p "$2"
            echo '{"rmse": 0.5}' > "$2/metrics.json"
            """);
        await using var local = new LocalTrainingJobService(new LocalTrainingOptions { RootDirectory = _root });
        await using var engine = Engine(local);
        await engine.StartAsync();

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(TrainingJobOrchestrator.Name,
            new TrainingJobRequest(Spec(script, null, "${{inputs.data}}", "${{outputs.model}}"), FastMonitor));
        var done = await CompletionAsync(engine, id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        var result = done.ReadOutputAs<TrainingJobResult>()!;
        Assert.Equal("""{"rmse": 0.5}""", result.MetricsJson!.Trim());
        Assert.Equal("file:models/m1", result.Outputs["model"]);
        Assert.Contains("training on " + Path.Combine(_root, "datasets", "data.csv"), File.ReadAllText(result.LogLocation!));
    }

    [Fact]
    public async Task A_trainer_that_crashes_fails_the_orchestration_with_the_last_lines_of_its_log()
    {
        File.WriteAllText(Directory.CreateDirectory(Path.Combine(_root, "datasets")).FullName + "/data.csv", "a,b\n1,2\n");
        var script = Script("crash.sh", """
            for i in $(seq 1 30); do echo "iteration $i"; done
            echo "matrix is singular at row 17" >&2
            exit 3
            """);
        await using var local = new LocalTrainingJobService(new LocalTrainingOptions { RootDirectory = _root });
        await using var engine = Engine(local);
        await engine.StartAsync();

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(TrainingJobOrchestrator.Name,
            new TrainingJobRequest(Spec(script), FastMonitor));
        var done = await CompletionAsync(engine, id);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        var message = done.FailureDetails!.ErrorMessage;
        Assert.Contains("ended Failed", message);
        Assert.Contains("exited with code 3", message);
        Assert.Contains("matrix is singular at row 17", message);
        Assert.Contains("iteration 30", message);
        Assert.DoesNotContain("iteration 5\n", message + "\n");
        Assert.Contains("job.log", message);
    }

    [Fact]
    public async Task A_local_job_past_its_timeout_is_killed_and_the_orchestration_fails()
    {
        File.WriteAllText(Directory.CreateDirectory(Path.Combine(_root, "datasets")).FullName + "/data.csv", "a,b\n1,2\n");
        var marker = Path.Combine(_root, "never.txt");
        var script = Script("slow.sh", $"""
            echo started
            sleep 60
            echo done > "{marker}"
            """);
        await using var local = new LocalTrainingJobService(new LocalTrainingOptions { RootDirectory = _root });
        await using var engine = Engine(local);
        await engine.StartAsync();

        // The spec's timeout is long for the runner itself; the orchestration's deadline (same value) cancels first or together.
        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(TrainingJobOrchestrator.Name,
            new TrainingJobRequest(Spec(script, TimeSpan.FromMilliseconds(600)), FastMonitor));
        var done = await CompletionAsync(engine, id);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        Assert.Contains("Canceled", done.FailureDetails!.ErrorMessage);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task A_contract_with_a_missing_input_fails_with_every_problem_and_starts_nothing()
    {
        await using var local = new LocalTrainingJobService(new LocalTrainingOptions { RootDirectory = _root });
        await using var engine = Engine(local);
        await engine.StartAsync();

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(TrainingJobOrchestrator.Name,
            new TrainingJobRequest(Spec("/no/such/trainer"), FastMonitor));
        var done = await CompletionAsync(engine, id);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        var message = done.FailureDetails!.ErrorMessage;
        Assert.Contains("was not submitted", message);
        Assert.Contains("inputs.data", message);
        Assert.Contains("/no/such/trainer", message);
        Assert.False(Directory.Exists(Path.Combine(_root, "jobs", TrainingJobName.FromInstance(id))));
    }

    private string Script(string name, string body)
    {
        var path = Path.Combine(_root, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body.Replace("\r\n", "\n") + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>Gives activities the training backend under test.</summary>
    private sealed class SingleServiceProvider(TrainingBackend backend) : IServiceProvider
    {
        public object? GetService(Type serviceType) => serviceType == typeof(TrainingBackend) ? backend : null;
    }

    /// <summary>A job service whose job stays in the status the test sets; it counts submits and polls.</summary>
    private sealed class ScriptedJobService : ITrainingJobService
    {
        private readonly ConcurrentQueue<string> _submitted = new();
        private int _polls;
        private volatile TaskCompletionSource _polled = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public volatile TrainingJobStatus Status = TrainingJobStatus.Running;

        public int Submits => _submitted.Count;

        public IEnumerable<string> SubmittedNames => _submitted;

        public int Polls => Volatile.Read(ref _polls);

        public async Task WaitForPollsAsync(int count)
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (Polls < count) await _polled.Task.WaitAsync(deadline.Token);
        }

        public Task<IReadOnlyList<TrainingJobProblem>> ValidateAsync(TrainingJobSpec spec, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<TrainingJobProblem>>([]);

        public Task<TrainingJobState> SubmitAsync(TrainingJobSpec spec, CancellationToken cancellationToken = default)
        {
            _submitted.Enqueue(spec.Name);
            return Task.FromResult(new TrainingJobState(spec.Name, TrainingJobStatus.Queued));
        }

        public Task<TrainingJobState> GetStatusAsync(string name, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _polls);
            Interlocked.Exchange(ref _polled, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            return Task.FromResult(new TrainingJobState(name, Status));
        }

        public Task<TrainingJobState> CancelAsync(string name, CancellationToken cancellationToken = default) =>
            Task.FromResult(new TrainingJobState(name, TrainingJobStatus.Canceled));

        public Task<TrainingJobOutputs> GetOutputsAsync(string name, CancellationToken cancellationToken = default) =>
            Task.FromResult(new TrainingJobOutputs(name, new Dictionary<string, string> { ["model"] = "file:models/m1" }, "file:models/m1/metrics.json", "{}"));
    }
}
