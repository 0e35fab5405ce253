using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Durable;
using Serverless.Testing;
using Serverless.Training;
using Serverless.Training.Configuration;
using Serverless.Training.Contract;
using Serverless.Workflows.Training;

namespace Serverless.Workflows.Tests.RealRuntime;

/// <summary>
/// The TrainingJob sub-orchestration on the real Durable Task runtime (AzureStorage provider on Azurite) and on the
/// embedded engine: its durable-timer monitor loop, and its retry filter. A transient service error is retried whether
/// the failure arrives as <see cref="TrainingServiceException"/> itself or wrapped in an <see cref="AggregateException"/>
/// (as Durable Functions can report it); any other error fails the job at once, without a second call.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class TrainingJobRealRuntimeTests(EmulatorFixture emulators)
{
    private const string Parent = "TrainingJobParentForTests";

    private static readonly TrainingJobMonitorSettings FastMonitor = new()
    {
        FirstPollInterval = TimeSpan.FromMilliseconds(300),
        MaxPollInterval = TimeSpan.FromMilliseconds(600),
        StatusAttempts = 3,
    };

    [Fact]
    public async Task The_monitor_loop_and_the_retry_filter_run_on_the_real_runtime_as_on_the_embedded_engine()
    {
        var embedded = await RunAsync(null);
        var real = await RunAsync(emulators.StorageConnectionString);

        // The results but for the submission and completion times, which are each engine's clock.
        Assert.Equal(embedded.Count, real.Count);
        foreach (var (id, text) in embedded) RealRuntimeAssert.SameText(text, real[id], id);
    }

    private static async Task<SortedDictionary<string, string>> RunAsync(string? storage)
    {
        var service = new FlakyJobService();
        await using var host = await RuntimeHost.StartAsync(storage, services: s =>
        {
            s.AddSingleton(new TrainingBackend(TrainingMode.Local, service));
            // A parent for the sub-orchestration, added to the same worker's tasks.
            s.Configure<DurableTaskRegistry>(Microsoft.Extensions.Options.Options.DefaultName, r => r.AddOrchestratorFunc<string, TrainingJobResult>(Parent,
                (context, _) => context.CallSubOrchestratorAsync<TrainingJobResult>(TrainingJobOrchestrator.Name,
                    new TrainingJobRequest(Spec(), FastMonitor), new SubOrchestrationOptions { InstanceId = context.InstanceId + "-train" })));
        });

        string[] ids = ["tj-plain", "tj-direct", "tj-aggregate", "tj-other"];
        foreach (var id in ids) await host.Client.ScheduleNewOrchestrationInstanceAsync(Parent, "", new StartOrchestrationOptions(id, null));
        var results = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            var state = await host.WaitAsync(id);
            if (id == "tj-other")
            {
                Assert.Equal(OrchestrationRuntimeStatus.Failed, state.RuntimeStatus);
                var failure = state.FailureDetails!;
                Assert.Contains("the service is misconfigured", failure.Describe());
                results[id] = failure.Describe().Split(" ---> ").Last();
                continue;
            }
            Assert.True(state.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"{host.Provider} {id}: {state.RuntimeStatus} {state.FailureDetails?.Describe()}");
            var result = state.ReadOutputAs<TrainingJobResult>()!;
            // The loop waited on durable timers between polls: Running at least once before Completed.
            Assert.True(result.Polls >= 2, $"{id}: {result.Polls} polls");
            results[id] = JsonSerializer.Serialize(result with { SubmittedAtUtc = default, CompletedAtUtc = default }, DurableJson.Options);
        }

        // One failed status call each before the retry that succeeded; the other error is called once and not retried.
        Assert.Equal(0, service.Failures("tj-plain"));
        Assert.Equal(1, service.Failures("tj-direct"));
        Assert.Equal(1, service.Failures("tj-aggregate"));
        Assert.Equal(1, service.Failures("tj-other"));
        Assert.Equal(1, service.StatusCalls("tj-other"));
        return results;
    }

    private static TrainingJobSpec Spec() => new()
    {
        Name = "from-instance",
        Command = "serverless-trainer",
        Inputs = new Dictionary<string, TrainingJobInput> { ["data"] = new("file:datasets/data.csv", TrainingDataKind.UriFile) },
        Outputs = new Dictionary<string, TrainingJobOutput> { ["model"] = new("file:models/m1") },
        MetricsOutput = "model",
        Timeout = TimeSpan.FromMinutes(5),
    };

    /// <summary>
    /// A job service whose jobs run for two status calls and then complete. The first status call of a job named after
    /// <c>direct</c> throws a transient service error, of <c>aggregate</c> the same inside an AggregateException, of
    /// <c>other</c> an error that is not the service's.
    /// </summary>
    private sealed class FlakyJobService : ITrainingJobService
    {
        private readonly ConcurrentDictionary<string, int> _calls = new();
        private readonly ConcurrentDictionary<string, int> _failures = new();

        public int StatusCalls(string instance) => _calls.Where(c => c.Key.Contains(instance, StringComparison.Ordinal)).Sum(c => c.Value);

        public int Failures(string instance) => _failures.Where(c => c.Key.Contains(instance, StringComparison.Ordinal)).Sum(c => c.Value);

        public Task<IReadOnlyList<TrainingJobProblem>> ValidateAsync(TrainingJobSpec spec, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<TrainingJobProblem>>([]);

        public Task<TrainingJobState> SubmitAsync(TrainingJobSpec spec, CancellationToken cancellationToken = default) =>
            Task.FromResult(new TrainingJobState(spec.Name, TrainingJobStatus.Queued));

        public Task<TrainingJobState> GetStatusAsync(string name, CancellationToken cancellationToken = default)
        {
            var call = _calls.AddOrUpdate(name, 1, (_, n) => n + 1);
            if (call == 1)
            {
                Exception? error = name switch
                {
                    _ when name.Contains("direct", StringComparison.Ordinal) => Transient(name),
                    _ when name.Contains("aggregate", StringComparison.Ordinal) => new AggregateException(Transient(name)),
                    _ when name.Contains("other", StringComparison.Ordinal) => new InvalidOperationException("the service is misconfigured"),
                    _ => null,
                };
                if (error is not null)
                {
                    _failures.AddOrUpdate(name, 1, (_, n) => n + 1);
                    throw error;
                }
            }
            return Task.FromResult(new TrainingJobState(name, call < 3 ? TrainingJobStatus.Running : TrainingJobStatus.Completed));
        }

        private static TrainingServiceException Transient(string name) => new(name, "Get status", 503, "ServiceUnavailable", "try again");

        public Task<TrainingJobState> CancelAsync(string name, CancellationToken cancellationToken = default) =>
            Task.FromResult(new TrainingJobState(name, TrainingJobStatus.Canceled));

        public Task<TrainingJobOutputs> GetOutputsAsync(string name, CancellationToken cancellationToken = default) =>
            Task.FromResult(new TrainingJobOutputs(name, new Dictionary<string, string> { ["model"] = "file:models/m1" }, "file:models/m1/metrics.json", "{}"));
    }
}
