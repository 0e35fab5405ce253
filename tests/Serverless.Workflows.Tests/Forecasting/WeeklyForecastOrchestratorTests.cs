using Moq;
using Microsoft.DurableTask;
using Serverless.Durable;
using Serverless.Forecasting.Backtesting;
using Serverless.Workflows.Common;
using Serverless.Workflows.Forecasting;
using Serverless.Workflows.Tests.TestSupport;

namespace Serverless.Workflows.Tests.Forecasting;

/// <summary>
/// The orchestration's decisions with a mocked context: which activities it calls with what, and
/// what it does for each review outcome (approve, adjust, reject, deadline with and without flags).
/// </summary>
public sealed class WeeklyForecastOrchestratorTests
{
    private static readonly string[] StoreIds = ["S01", "S02"];

    private readonly Mock<TaskOrchestrationContext> _context = new(MockBehavior.Strict);
    private readonly List<WorkflowStatus> _statuses = [];
    private readonly List<PublishStoreInput> _published = [];
    private readonly List<ForecastNotification> _notifications = [];
    private readonly List<TimeSpan> _waits = [];
    private readonly Queue<ForecastReviewDecision?> _events = new();
    private DateTime _now = new(2026, 11, 23, 1, 0, 0, DateTimeKind.Utc);
    private string _policy = "AutoApproveWhenClean";
    private bool _clean = true;
    private List<string> _validation = [];

    public WeeklyForecastOrchestratorTests()
    {
        _context.Setup(c => c.InstanceId).Returns("wf-1");
        _context.Setup(c => c.Version).Returns(WorkflowVersions.Current);
        _context.Setup(c => c.CurrentUtcDateTime).Returns(() => _now);
        _context.Setup(c => c.SetCustomStatus(It.IsAny<object?>())).Callback<object?>(s => _statuses.Add((WorkflowStatus)s!));
        _context.Setup(c => c.CallActivityAsync<PreparedForecastRun>(ForecastActivityNames.Prepare, It.IsAny<object?>(), null))
            .Returns<TaskName, object?, TaskOptions?>((_, input, _) =>
            {
                var prepare = (PrepareForecastInput)input!;
                return Task.FromResult(new PreparedForecastRun(prepare.RunDate, "2026-11-25", "2026-12-01", "forecast/runs/2026-11-23/k", "k", "{}",
                    StoreIds, "builtin", "hash", "2017-01-01", "2026-11-22", 1000, 0, ForecastTrainingMode.InProcess, 24, _policy, 0.95));
            });
        _context.Setup(c => c.CallActivityAsync<AggregatedStore>(ForecastActivityNames.AggregateStore, It.IsAny<object?>(), null))
            .Returns<TaskName, object?, TaskOptions?>((_, input, _) =>
            {
                var store = ((AggregateStoreInput)input!).Store;
                return Task.FromResult(new AggregatedStore(store, $"agg/{store}.bin", $"h-{store}", 12, 1200));
            });
        _context.Setup(c => c.CallActivityAsync<ForecastModelSummary>(ForecastActivityNames.Train, It.IsAny<object?>(), null))
            .ReturnsAsync(new ForecastModelSummary("model.bin", "fm-1", "model", true, "beats both", 0.95, []));
        _context.Setup(c => c.CallActivityAsync<PredictedStore>(ForecastActivityNames.PredictStore, It.IsAny<object?>(), null))
            .Returns<TaskName, object?, TaskOptions?>((_, input, _) =>
            {
                var store = ((PredictStoreInput)input!).Store;
                return Task.FromResult(new PredictedStore(store, $"fc/{store}.json", 12, 100.5, 130));
            });
        _context.Setup(c => c.CallActivityAsync<ForecastReviewSummary>(ForecastActivityNames.Review, It.IsAny<object?>(), null))
            .ReturnsAsync(() => new ForecastReviewSummary("review/package.json", 24, _clean ? 0 : 2, 0, _clean ? 0 : 2, _clean, _clean ? "nothing flagged" : "2 warnings"));
        _context.Setup(c => c.CallActivityAsync<List<string>>(ForecastActivityNames.ValidateDecision, It.IsAny<object?>(), null))
            .ReturnsAsync(() => _validation);
        _context.Setup(c => c.CallActivityAsync<PublishedStoreFile>(ForecastActivityNames.PublishStore, It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns<TaskName, object?, TaskOptions?>((_, input, _) =>
            {
                var publish = (PublishStoreInput)input!;
                lock (_published) _published.Add(publish);
                return Task.FromResult(new PublishedStoreFile(publish.Store.Store, $"stores/{publish.Store.Store}/orders/{publish.WeekStart}.json", 12, 130, "created"));
            });
        _context.Setup(c => c.CallActivityAsync<NotificationOutcome>(ForecastActivityNames.Notify, It.IsAny<object?>(), null))
            .Returns<TaskName, object?, TaskOptions?>((_, input, _) =>
            {
                var notification = (ForecastNotification)input!;
                _notifications.Add(notification);
                return Task.FromResult(new NotificationOutcome($"n-{_notifications.Count}", notification.Subject, true, []));
            });
        // Each wait takes the next queued decision half an hour in, or reaches its deadline when none is left.
        _context.SetupEventWaits<ForecastReviewDecision>(WeeklyForecastOrchestrator.ReviewEvent, timeout =>
        {
            _waits.Add(timeout);
            var next = _events.Count > 0 ? _events.Dequeue() : null;
            if (next is null)
            {
                _now += timeout;
                return EventOutcome<ForecastReviewDecision>.TimesOut;
            }
            _now += TimeSpan.FromMinutes(30);
            return EventOutcome<ForecastReviewDecision>.Arrives(next);
        });
    }

    private Task<WeeklyForecastOutput> RunAsync(WeeklyForecastInput? input = null) =>
        new WeeklyForecastOrchestrator().RunAsync(_context.Object, input ?? new WeeklyForecastInput(RunDate: "2026-11-23"));

    [Fact]
    public async Task An_approval_publishes_every_store_after_the_steps_in_order()
    {
        _events.Enqueue(new ForecastReviewDecision("Approve", "Sato"));

        var output = await RunAsync();

        Assert.Equal("approved", output.Decision);
        Assert.Equal("Sato", output.Reviewer);
        Assert.Equal(StoreIds, output.Published.Select(p => p.Store).Order());
        Assert.All(_published, p => Assert.Empty(p.Adjustments));
        Assert.Equal(260, output.Published.Sum(p => p.Units));
        Assert.Equal(["prepare", "aggregate", "train", "predict", "review", "publish", "notify", "done"], _statuses.Select(s => s.Step).Distinct());
        var waiting = _statuses.Single(s => s.WaitingFor is not null);
        Assert.Equal(("review", "ForecastReviewed"), (waiting.Step, waiting.WaitingFor));
        Assert.Equal(TimeSpan.FromHours(24), _waits.Single());
        Assert.Equal("Weekly forecast 2026-11-25 published", _notifications.Last().Subject);
        _context.Verify(c => c.CallActivityAsync<AggregatedStore>(ForecastActivityNames.AggregateStore, It.IsAny<object?>(), null), Times.Exactly(2));
        _context.Verify(c => c.CallActivityAsync<PredictedStore>(ForecastActivityNames.PredictStore, It.IsAny<object?>(), null), Times.Exactly(2));
    }

    [Fact]
    public async Task An_adjustment_reaches_only_its_store_and_an_approval_with_adjustments_counts_as_one()
    {
        _events.Enqueue(new ForecastReviewDecision("approve", "Ito", "festival", [new ForecastAdjustment("S02", "cola-500", 120)]));

        var output = await RunAsync();

        Assert.Equal("adjusted", output.Decision);
        var s02 = _published.Single(p => p.Store.Store == "S02");
        Assert.Equal([new ForecastAdjustment("S02", "cola-500", 120)], s02.Adjustments);
        Assert.Empty(_published.Single(p => p.Store.Store == "S01").Adjustments);
        Assert.All(_published, p => Assert.Equal("adjusted", p.Decision));
        Assert.StartsWith("adjusted-", s02.DecisionKey);
    }

    [Fact]
    public async Task A_rejection_publishes_nothing_and_says_so()
    {
        _events.Enqueue(new ForecastReviewDecision("REJECT", "Suzuki", "numbers look off"));

        var output = await RunAsync();

        Assert.Equal("rejected", output.Decision);
        Assert.Empty(output.Published);
        Assert.Empty(_published);
        Assert.Contains("rejected", _notifications.Last().Subject);
        Assert.Equal("Warning", _notifications.Last().Severity);
    }

    [Fact]
    public async Task At_the_deadline_a_clean_forecast_is_approved_by_the_policy()
    {
        var output = await RunAsync();

        Assert.Equal("approved-at-deadline", output.Decision);
        Assert.Equal(2, _published.Count);
        Assert.All(_published, p => Assert.Null(p.Reviewer));
    }

    [Fact]
    public async Task At_the_deadline_a_flagged_forecast_is_held_and_nothing_is_published()
    {
        _clean = false;

        var output = await RunAsync();

        Assert.Equal("held-at-deadline", output.Decision);
        Assert.Empty(_published);
        Assert.Contains("held", _notifications.Last().Subject);
        Assert.Equal("Warning", _notifications.First().Severity);
    }

    [Fact]
    public async Task The_always_hold_policy_holds_even_a_clean_forecast()
    {
        _policy = "AlwaysHold";

        var output = await RunAsync();

        Assert.Equal("held-at-deadline", output.Decision);
        Assert.Empty(_published);
    }

    [Fact]
    public async Task A_malformed_decision_is_refused_and_the_wait_goes_on_for_the_time_left()
    {
        _events.Enqueue(new ForecastReviewDecision("maybe", "Kato"));
        _events.Enqueue(new ForecastReviewDecision("approve", "Kato"));

        var output = await RunAsync();

        Assert.Equal("approved", output.Decision);
        Assert.Equal([TimeSpan.FromHours(24), TimeSpan.FromHours(24) - TimeSpan.FromMinutes(30)], _waits);
        Assert.Contains(_statuses, s => s.WaitingFor is not null && s.Detail!.Contains("'maybe' is not approve, adjust or reject"));
        // The shape was wrong, so the stores and items were never looked up.
        _context.Verify(c => c.CallActivityAsync<List<string>>(ForecastActivityNames.ValidateDecision, It.IsAny<object?>(), null), Times.Once);
    }

    [Fact]
    public async Task An_adjustment_for_an_unknown_item_is_refused_until_the_deadline()
    {
        _validation = ["store 'S01' has no item 'nope' in this forecast"];
        _events.Enqueue(new ForecastReviewDecision("adjust", "Kato", null, [new ForecastAdjustment("S01", "nope", 5)]));

        var output = await RunAsync();

        Assert.Equal("approved-at-deadline", output.Decision);
        Assert.Contains(_statuses, s => s.Detail?.Contains("has no item 'nope'") == true);
        Assert.All(_published, p => Assert.Empty(p.Adjustments));
    }

    [Fact]
    public async Task Without_a_run_date_the_run_is_for_the_monday_of_the_start_day()
    {
        _now = new DateTime(2026, 11, 26, 5, 0, 0, DateTimeKind.Utc); // a Thursday
        _events.Enqueue(new ForecastReviewDecision("approve", "Sato"));

        await RunAsync(new WeeklyForecastInput());

        _context.Verify(c => c.CallActivityAsync<PreparedForecastRun>(ForecastActivityNames.Prepare,
            It.Is<object?>(i => ((PrepareForecastInput)i!).RunDate == "2026-11-23"), null), Times.Once);
    }

    [Fact]
    public void Decisions_are_normalised_case_insensitively()
    {
        Assert.Equal("approved", WeeklyForecastOrchestrator.Normalize(new ForecastReviewDecision(" APPROVE ")).Verdict);
        Assert.Equal("approved", WeeklyForecastOrchestrator.Normalize(new ForecastReviewDecision("adjust", Adjustments: [])).Verdict);
        Assert.Equal("adjusted", WeeklyForecastOrchestrator.Normalize(new ForecastReviewDecision("Adjust", Adjustments: [new("S01", "a", 1)])).Verdict);
        Assert.Contains("weekUnits must not be negative", WeeklyForecastOrchestrator.Normalize(new ForecastReviewDecision("adjust", Adjustments: [new("S01", "a", -1)])).Problems.Single());
        Assert.Contains("more than one adjustment", WeeklyForecastOrchestrator.Normalize(new ForecastReviewDecision("adjust", Adjustments: [new("S01", "a", 1), new("S01", "a", 2)])).Problems.Single());
        Assert.Contains("no adjustments", WeeklyForecastOrchestrator.Normalize(new ForecastReviewDecision("reject", Adjustments: [new("S01", "a", 1)])).Problems.Single());
    }

    [Fact]
    public async Task A_failed_step_fails_the_run_before_anything_is_published()
    {
        _context.Setup(c => c.CallActivityAsync<ForecastModelSummary>(ForecastActivityNames.Train, It.IsAny<object?>(), null))
            .ThrowsAsync(new TaskFailedException(ForecastActivityNames.Train, 3, new TaskFailureDetails("InvalidOperationException", "no rows", null, null, null)));

        await Assert.ThrowsAsync<TaskFailedException>(() => RunAsync());

        Assert.Empty(_published);
        _context.Verify(c => c.WaitForExternalEvent<ForecastReviewDecision>(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
        Assert.Empty(_waits);
    }
}
