using Moq;
using Microsoft.DurableTask;
using Serverless.Durable;
using Serverless.Recommendations.Evaluation;
using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.Models;
using Serverless.Recommendations.Publishing;
using Serverless.Recommendations.Search;
using Serverless.Workflows.Common;
using Serverless.Workflows.Recommendations;

namespace Serverless.Workflows.Tests.Recommendations;

/// <summary>The refresh's control flow with a Moq context: each test decides what the activities return.</summary>
public sealed class RecommendationRefreshOrchestratorTests
{
    private static readonly DateTime Now = new(2026, 3, 2, 18, 0, 0, DateTimeKind.Utc);
    private readonly Mock<TaskOrchestrationContext> _context = new(MockBehavior.Strict);
    private readonly List<WorkflowStatus> _statuses = [];
    private readonly List<ShardRequest> _shards = [];
    private readonly List<PublishShardRequest> _published = [];
    private readonly List<ActivateRequest> _activated = [];
    private readonly List<SearchTrialRequest> _trials = [];
    private readonly List<TrainRequest> _trained = [];
    private DateTime _now = Now;

    public RecommendationRefreshOrchestratorTests()
    {
        _context.Setup(c => c.InstanceId).Returns("run:1");
        _context.Setup(c => c.CurrentUtcDateTime).Returns(() => _now);
        _context.Setup(c => c.SetCustomStatus(It.IsAny<object?>())).Callback<object?>(s => _statuses.Add((WorkflowStatus)s!));
        Plan("jobs", "careers");
        _context.Setup(c => c.CallActivityAsync<ImportedData>(RecommendationActivityNames.Import, It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns<TaskName, object?, TaskOptions?>((_, input, _) => Task.FromResult(Data(((ServiceStep)input!).Service)));
        SearchPlanned(searching: false);
        _context.Setup(c => c.CallActivityAsync<SearchTrialResult>(RecommendationActivityNames.SearchTrial, It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns<TaskName, object?, TaskOptions?>((_, input, _) =>
            {
                var request = (SearchTrialRequest)input!;
                _trials.Add(request);
                _now = _now.AddSeconds(10); // each trial takes ten seconds of the orchestration's clock
                var ndcg = request.Trial.Index == 3 ? 0.5 : 0.3; // trial 3 wins
                return Task.FromResult(new SearchTrialResult(request.Trial.Index, request.Trial.Recipe, request.Trial.IsDefaults, new MetricSet(10, 50, 0, 0, ndcg, 0, 0), 10));
            });
        _context.Setup(c => c.CallActivityAsync<SearchOutcome>(RecommendationActivityNames.SearchSelect, It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns<TaskName, object?, TaskOptions?>((_, input, _) =>
            {
                var request = (SearchSelectRequest)input!;
                var summary = SearchSummary.Select("validation", 100, 25, request.Plan.Trials.Count, request.StoppedBy, request.Results);
                return Task.FromResult(new SearchOutcome(summary.WinnerRecipe, summary, "search.json", "split.bin", "latest-25%", "no model in service", null, null));
            });
        _context.Setup(c => c.CallActivityAsync<TrainedModel>(RecommendationActivityNames.Train, It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns<TaskName, object?, TaskOptions?>((_, input, _) =>
            {
                _trained.Add((TrainRequest)input!);
                return Task.FromResult(Model(((TrainRequest)input!).Service));
            });
        Gate("jobs", publish: true);
        Gate("careers", publish: true);
        _context.Setup(c => c.CallActivityAsync<ShardLists>(RecommendationActivityNames.ScoreShard, It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns<TaskName, object?, TaskOptions?>((_, input, _) =>
            {
                var request = (ShardRequest)input!;
                _shards.Add(request);
                return Task.FromResult(new ShardLists(request.Kind, request.Shard.Index, $"{request.Service}/{request.Kind}-{request.Shard.Index}", request.Shard.Count));
            });
        _context.Setup(c => c.CallActivityAsync<int>(RecommendationActivityNames.PublishShard, It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns<TaskName, object?, TaskOptions?>((_, input, _) => { _published.Add((PublishShardRequest)input!); return Task.FromResult(1); });
        _context.Setup(c => c.CallActivityAsync<PublicationSummary>(RecommendationActivityNames.Activate, It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns<TaskName, object?, TaskOptions?>((_, input, _) =>
            {
                var request = (ActivateRequest)input!;
                _activated.Add(request);
                return Task.FromResult(new PublicationSummary(request.Service, request.Model.ListVersion, 1, 1, 10, 0, new Dictionary<string, int>()));
            });
        _context.Setup(c => c.CallActivityAsync<string>(RecommendationActivityNames.Report, It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .ReturnsAsync("recommendations/runs/run_1/report.json");
    }

    private void Plan(params string[] services) =>
        _context.Setup(c => c.CallActivityAsync<RefreshPlan>(RecommendationActivityNames.Plan, It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .ReturnsAsync(new RefreshPlan("run_1", "recommendations/runs/run_1/settings.json", "test", RecommendationTrainingMode.InProcess, services, 100, 50));

    private static readonly IReadOnlyList<SearchTrial> SevenTrials = Enumerable.Range(0, 7)
        .Select(i => new SearchTrial(i, ModelRecipe.ForAls(AlsOptions.Default with { Factors = 8 + i }), i == 0)).ToArray();

    private void SearchPlanned(bool searching, double? maxSeconds = null) =>
        _context.Setup(c => c.CallActivityAsync<SearchPlan>(RecommendationActivityNames.SearchPlan, It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns<TaskName, object?, TaskOptions?>((_, input, _) => Task.FromResult(new SearchPlan(((SearchPlanRequest)input!).Service, "split.bin", "latest-25%",
                "no model in service", null, null, "validation-latest-25%", 100, 25, searching ? SevenTrials : SevenTrials.Take(1).ToArray(), 3, maxSeconds, searching)));

    private static ImportedData Data(string service) =>
        new(service, $"{service}/data.csv", null, "hash-" + service, 250, 120, 5000, 5000, 0, 0, null, false);

    private static TrainedModel Model(string service) =>
        new("als-" + service, $"{service}/model.als", $"{service}/manifest.json", service + "-v2", 250, 120, "cpu", 0.1);

    private void Gate(string service, bool publish) =>
        _context.Setup(c => c.CallActivityAsync<EvaluationOutcome>(RecommendationActivityNames.Evaluate,
                It.Is<object?>(o => ((EvaluateRequest)o!).Service == service), It.IsAny<TaskOptions?>()))
            .ReturnsAsync(new EvaluationOutcome(publish, publish ? "Published: better" : "Not published: the new model is worse than the model in service",
                "random-25%", 0.3, 0.2, 0.4, service + "-v1", $"{service}/evaluation.json", new Dictionary<string, double>()));

    [Fact]
    public async Task A_model_the_gate_accepts_is_scored_in_shards_published_and_activated()
    {
        var result = await new RecommendationRefreshOrchestrator().RunAsync(_context.Object, new RecommendationRefreshInput());

        Assert.All(result.Services, s => Assert.Equal(ServiceRefreshOutcome.Published, s.Outcome));
        // 250 users in shards of at most 100 and 120 items in shards of at most 50: 3 + 3 per service, balanced.
        Assert.Equal(12, _shards.Count);
        var jobs = _shards.Where(s => s.Service == "jobs").ToArray();
        Assert.Equal([(0, 84), (84, 83), (167, 83)], jobs.Where(s => s.Kind == ListKind.UserItems).Select(s => (s.Shard.Start, s.Shard.Count)));
        Assert.Equal(120, jobs.Where(s => s.Kind == ListKind.ItemItems).Sum(s => s.Shard.Count));
        Assert.All(_shards, s => Assert.Equal(s.Service + "-v2", s.ListVersion));
        Assert.Equal(12, _published.Count);
        var activated = _activated.Single(a => a.Service == "jobs");
        Assert.Equal(3, activated.UserShardPaths.Count);
        Assert.Equal(3, activated.ItemShardPaths.Count);
        Assert.Equal(Now, activated.PublishedAtUtc);
        Assert.Equal("recommendations/runs/run_1/report.json", result.ReportPath);
        Assert.Equal("done", _statuses[^1].Step);
        Assert.Contains("jobs: published", _statuses[^1].Detail);
    }

    [Fact]
    public async Task A_model_the_gate_refuses_publishes_nothing_and_says_why()
    {
        Gate("jobs", publish: false);

        var result = await new RecommendationRefreshOrchestrator().RunAsync(_context.Object, null);

        var jobs = result.Services.Single(s => s.Service == "jobs");
        Assert.Equal(ServiceRefreshOutcome.Kept, jobs.Outcome);
        Assert.Contains("worse than the model in service", jobs.Reason);
        Assert.Equal("jobs-v1", jobs.InServiceVersion);
        Assert.DoesNotContain(_shards, s => s.Service == "jobs");
        Assert.DoesNotContain(_published, p => p.Service == "jobs");
        Assert.DoesNotContain(_activated, a => a.Service == "jobs");
        // The other service is not held back.
        Assert.Equal(ServiceRefreshOutcome.Published, result.Services.Single(s => s.Service == "careers").Outcome);
        Assert.Contains("jobs: kept: Not published", _statuses[^1].Detail);
    }

    [Fact]
    public async Task A_failed_import_keeps_that_service_and_reports_the_clear_error()
    {
        _context.Setup(c => c.CallActivityAsync<ImportedData>(RecommendationActivityNames.Import,
                It.Is<object?>(o => ((ServiceStep)o!).Service == "careers"), It.IsAny<TaskOptions?>()))
            .ThrowsAsync(new TaskFailedException(RecommendationActivityNames.Import, 3,
                new TaskFailureDetails("System.IO.InvalidDataException", "interactions.csv:2: weight: 'abc' is not a number", null, null, null)));
        ReportRequest? report = null;
        _context.Setup(c => c.CallActivityAsync<string>(RecommendationActivityNames.Report, It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Callback<TaskName, object?, TaskOptions?>((_, input, _) => report = (ReportRequest)input!)
            .ReturnsAsync("report.json");

        var result = await new RecommendationRefreshOrchestrator().RunAsync(_context.Object, new RecommendationRefreshInput(["careers", "jobs"]));

        var careers = result.Services.Single(s => s.Service == "careers");
        Assert.Equal(ServiceRefreshOutcome.Failed, careers.Outcome);
        Assert.Contains("RecommendationImport failed: interactions.csv:2: weight: 'abc' is not a number", careers.Reason);
        Assert.Contains("unchanged", careers.Reason);
        _context.Verify(c => c.CallActivityAsync<TrainedModel>(RecommendationActivityNames.Train,
            It.Is<object?>(o => ((TrainRequest)o!).Service == "careers"), It.IsAny<TaskOptions?>()), Times.Never);
        Assert.Equal(ServiceRefreshOutcome.Published, result.Services.Single(s => s.Service == "jobs").Outcome);
        Assert.NotNull(report);
        Assert.Equal(2, report!.Services.Count);
    }

    [Fact]
    public async Task The_plan_gets_the_requested_services_and_seed_and_the_run_id_is_safe_for_paths()
    {
        PlanRequest? plan = null;
        _context.Setup(c => c.CallActivityAsync<RefreshPlan>(RecommendationActivityNames.Plan, It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Callback<TaskName, object?, TaskOptions?>((_, input, _) => plan = (PlanRequest)input!)
            .ReturnsAsync(new RefreshPlan("run_1", "s.json", "test", RecommendationTrainingMode.InProcess, ["jobs"], 100, 50));

        var result = await new RecommendationRefreshOrchestrator().RunAsync(_context.Object, new RecommendationRefreshInput(["jobs"], Seed: 9));

        Assert.Equal("run_1", plan!.RunId);
        Assert.Equal(9UL, plan.Seed);
        Assert.Equal(["jobs"], plan.Services!);
        Assert.Equal("jobs", Assert.Single(result.Services).Service);
    }

    [Fact]
    public async Task The_search_runs_its_trials_in_waves_and_the_winner_is_trained_on_all_data_and_gated()
    {
        Plan("jobs");
        SearchPlanned(searching: true);

        var result = await new RecommendationRefreshOrchestrator().RunAsync(_context.Object, new RecommendationRefreshInput(["jobs"]));

        // Seven trials in waves of three: 3 + 3 + 1, every one with the gate's split and a retry policy.
        Assert.Equal(Enumerable.Range(0, 7), _trials.Select(t => t.Trial.Index));
        Assert.All(_trials, t => Assert.Equal("split.bin", t.GateSplitPath));
        _context.Verify(c => c.CallActivityAsync<SearchTrialResult>(RecommendationActivityNames.SearchTrial, It.IsAny<object?>(),
            It.Is<TaskOptions?>(o => o != null && o.Retry != null)), Times.Exactly(7));
        var train = Assert.Single(_trained);
        Assert.Equal(SevenTrials[3].Recipe, train.Recipe);
        _context.Verify(c => c.CallActivityAsync<EvaluationOutcome>(RecommendationActivityNames.Evaluate,
            It.Is<object?>(o => ((EvaluateRequest)o!).Search.Winner == SevenTrials[3].Recipe), It.IsAny<TaskOptions?>()), Times.Once);
        var jobs = Assert.Single(result.Services);
        Assert.Equal(3, jobs.Search!.Summary!.Winner.Index);
        Assert.Equal(7, jobs.Search.Summary.Trials.Count);
    }

    [Fact]
    public async Task The_time_budget_stops_new_waves_on_the_orchestrations_clock_and_the_report_says_so()
    {
        // Each trial advances the clock by 10 s; after the first wave (30 s) a 25 s budget is spent.
        Plan("jobs");
        SearchPlanned(searching: true, maxSeconds: 25);

        var result = await new RecommendationRefreshOrchestrator().RunAsync(_context.Object, new RecommendationRefreshInput(["jobs"]));

        Assert.Equal([0, 1, 2], _trials.Select(t => t.Trial.Index));
        var summary = Assert.Single(result.Services).Search!.Summary!;
        Assert.Equal(7, summary.Planned);
        Assert.Equal(3, summary.Trials.Count);
        Assert.Contains("time budget of 25 s reached after 30 s", summary.StoppedBy);
    }

    [Fact]
    public async Task Without_a_search_there_is_no_fan_out_and_the_configured_parameters_are_trained()
    {
        Plan("jobs");
        await new RecommendationRefreshOrchestrator().RunAsync(_context.Object, new RecommendationRefreshInput(["jobs"]));

        Assert.Empty(_trials);
        _context.Verify(c => c.CallActivityAsync<SearchOutcome>(RecommendationActivityNames.SearchSelect, It.IsAny<object?>(), It.IsAny<TaskOptions?>()), Times.Never);
        Assert.Equal(SevenTrials[0].Recipe, Assert.Single(_trained).Recipe);
    }

    [Fact]
    public async Task Scoring_and_publication_calls_carry_a_retry_policy_and_the_plan_does_not()
    {
        await new RecommendationRefreshOrchestrator().RunAsync(_context.Object, null);

        _context.Verify(c => c.CallActivityAsync<ShardLists>(RecommendationActivityNames.ScoreShard, It.IsAny<object?>(),
            It.Is<TaskOptions?>(o => o != null && o.Retry != null && o.Retry.Policy!.MaxNumberOfAttempts == 3)), Times.Exactly(12));
        _context.Verify(c => c.CallActivityAsync<int>(RecommendationActivityNames.PublishShard, It.IsAny<object?>(),
            It.Is<TaskOptions?>(o => o != null && o.Retry != null)), Times.Exactly(12));
        _context.Verify(c => c.CallActivityAsync<RefreshPlan>(RecommendationActivityNames.Plan, It.IsAny<object?>(), null), Times.Once);
    }
}
