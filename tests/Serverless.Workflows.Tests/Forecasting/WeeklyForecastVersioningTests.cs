using System.Text.Json;
using DurableTask.Core.History;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Time.Testing;
using Serverless.Durable;
using Serverless.Workflows.Common;
using Serverless.Workflows.Forecasting;

namespace Serverless.Workflows.Tests.Forecasting;

/// <summary>
/// Orchestration versions across a deploy, on the embedded engine as on Durable Functions: a forecast waits a day
/// for its review, so a deploy that changes the orchestrator (version 2 adds a reminder before the deadline) meets
/// instances started by the release before it. Each keeps the version it started with and its own path.
/// </summary>
public sealed class WeeklyForecastVersioningTests
{
    private static readonly DateTimeOffset Start = new(2024, 6, 3, 1, 0, 0, TimeSpan.Zero);

    /// <summary>The small model, a ten-hour review window and a reminder four hours before its end.</summary>
    private static WeeklyForecastInput Input() => ForecastTestEnvironment.Input("""
        {
          "model": { "iterations": 40, "leaves": 15, "minExamplesPerLeaf": 20, "trainingWindowDays": 180 },
          "backtest": { "origins": 2, "calibrationOrigins": 1, "calibrationBuckets": 3 },
          "review": { "deadlineHours": 10, "reminderHours": 4 }
        }
        """);

    [Fact]
    public async Task An_instance_started_before_the_reminder_release_waits_on_its_old_path_after_the_deploy_and_finishes()
    {
        var clock = new FakeTimeProvider(Start);
        await using var env = await ForecastTestEnvironment.StartAsync(durable: true, engine: o =>
        {
            o.TimeProvider = clock;
            o.DefaultVersion = "1";
        });
        var id = await env.StartRunAsync(Input());
        await WaitForReviewAsync(env, id);

        // The deploy: the same database, now starting new instances at the current version.
        await env.RestartEngineAsync(o => o.DefaultVersion = WorkflowVersions.Current);
        clock.Advance(TimeSpan.FromHours(7)); // past where a version 2 instance would have sent its reminder
        var later = await env.StartRunAsync(Input() with { RunDate = "2024-05-25" });
        await WaitForReviewAsync(env, later);
        await env.ReviewAsync(id, new ForecastReviewDecision("approve", "Tanaka"));
        var state = await env.WaitAsync(id);

        Assert.True(state.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"{state.RuntimeStatus}: {state.FailureDetails?.Describe()}");
        Assert.Equal("approved", state.ReadOutputAs<WeeklyForecastOutput>()!.Decision);
        Assert.Equal("1", await VersionOfAsync(env, id));
        Assert.Equal(WorkflowVersions.Current, await VersionOfAsync(env, later));
        // Version 1 has no reminder step: nothing but the announcement and the outcome was sent for it.
        Assert.DoesNotContain(await NotificationsAsync(env), n => n.Contains("Reminder", StringComparison.Ordinal) && n.Contains(id, StringComparison.Ordinal));
        Assert.Equal(2, (await StepsAsync(env, id)).Count(s => s == ForecastActivityNames.Notify));
    }

    [Fact]
    public async Task A_current_version_instance_reminds_the_reviewers_before_the_deadline_and_still_takes_a_decision()
    {
        var clock = new FakeTimeProvider(Start);
        await using var env = await ForecastTestEnvironment.StartAsync(durable: true, engine: o =>
        {
            o.TimeProvider = clock;
            o.DefaultVersion = WorkflowVersions.Current;
        });
        var id = await env.StartRunAsync(Input());
        await WaitForReviewAsync(env, id);

        clock.Advance(TimeSpan.FromHours(6) + TimeSpan.FromMinutes(1));
        await WaitUntilAsync(async () => (await NotificationsAsync(env)).Any(n => n.Contains("Reminder", StringComparison.Ordinal)));
        await env.ReviewAsync(id, new ForecastReviewDecision("approve", "Tanaka"));
        var state = await env.WaitAsync(id);

        Assert.True(state.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"{state.RuntimeStatus}: {state.FailureDetails?.Describe()}");
        Assert.Equal("approved", state.ReadOutputAs<WeeklyForecastOutput>()!.Decision);
        Assert.Equal(3, (await StepsAsync(env, id)).Count(s => s == ForecastActivityNames.Notify));
    }

    [Fact]
    public async Task An_instance_of_a_version_no_code_path_handles_fails_before_any_step_with_a_clear_error()
    {
        await using var env = await ForecastTestEnvironment.StartAsync(durable: true);
        var id = await env.Engine.Client.ScheduleNewOrchestrationInstanceAsync(WeeklyForecastOrchestrator.Name, Input(),
            new StartOrchestrationOptions { Version = new TaskVersion("9") });

        var state = await env.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, state.RuntimeStatus);
        Assert.Equal(typeof(UnsupportedWorkflowVersionException).FullName, state.FailureDetails!.ErrorType);
        Assert.Contains("WeeklyForecast has no code path for orchestration version '9'; this app runs versions 1 to 2", state.FailureDetails.ErrorMessage);
        Assert.Empty(await StepsAsync(env, id));
    }

    private static async Task<string?> VersionOfAsync(ForecastTestEnvironment env, string id) =>
        (await env.Engine.Client.GetOrchestrationHistoryAsync(id)).OfType<ExecutionStartedEvent>().Single().Version;

    private static async Task<List<string>> StepsAsync(ForecastTestEnvironment env, string id) =>
        (await env.Engine.Client.GetOrchestrationHistoryAsync(id)).OfType<TaskScheduledEvent>().Select(e => e.Name!).ToList();

    private static async Task<List<string>> NotificationsAsync(ForecastTestEnvironment env) =>
        File.Exists(env.NotificationFile) ? [.. await File.ReadAllLinesAsync(env.NotificationFile)] : [];

    private static async Task WaitForReviewAsync(ForecastTestEnvironment env, string id) =>
        await WaitUntilAsync(async () =>
        {
            var state = await env.Engine.Client.GetInstanceAsync(id, true);
            Assert.False(state!.RuntimeStatus.IsTerminal(), $"{state.RuntimeStatus}: {state.FailureDetails?.Describe()}");
            return state.ReadCustomStatusAs<WorkflowStatus>()?.WaitingFor is not null;
        });

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        while (!await condition()) await Task.Delay(20, timeout.Token);
    }
}
