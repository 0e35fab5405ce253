using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.DurableTask;
using Serverless.Durable;
using Serverless.Workflows.Common;

namespace Serverless.Workflows.Forecasting;

/// <summary>
/// The weekly demand forecast: prepare (validate config and data) -> aggregate sales up to the day
/// before the run, per store -> train -> predict the target week per store -> automatic review ->
/// wait for <c>ForecastReviewed</c> until the deadline (configured policy when nobody answers) ->
/// publish each store's order file (idempotent) -> notify. Activities pass blob paths, not data.
/// </summary>
public sealed class WeeklyForecastOrchestrator : TaskOrchestrator<WeeklyForecastInput?, WeeklyForecastOutput>
{
    public const string Name = "WeeklyForecast";
    public const string ReviewEvent = "ForecastReviewed";

    /// <summary>The steps in order, as the custom status names them.</summary>
    public static readonly IReadOnlyList<string> Steps = ["prepare", "aggregate", "train", "predict", "review", "publish", "notify", "done"];

    /// <summary>Publication is retried: a store file already written by an attempt that died is found, not written again.</summary>
    public static RetryPolicy PublishRetry { get; set; } = new(3, TimeSpan.FromSeconds(2), 2.0);

    /// <summary>The notify steps' outcomes so far (rebuilt by replay): failures show in the status and the output.</summary>
    private readonly List<NotificationOutcome> _notifications = [];

    public override async Task<WeeklyForecastOutput> RunAsync(TaskOrchestrationContext context, WeeklyForecastInput? input)
    {
        // Read first: an instance of a version this code has no path for fails before any step.
        var version = WorkflowVersions.Of(context, Name);
        input ??= new WeeklyForecastInput();
        var runDate = input.RunDate ?? DefaultRunDate(context.CurrentUtcDateTime);

        Status(context, "prepare", 0, 1, $"run date {runDate}");
        var run = await context.CallActivityAsync<PreparedForecastRun>(ForecastActivityNames.Prepare,
            new PrepareForecastInput(runDate, input.ConfigPath, input.Config, input.Seed, input.Dataset));

        var stores = run.Stores;
        Status(context, "aggregate", 0, stores.Count, $"{stores.Count} stores, sales {run.DataStart} to {run.DataEnd}");
        var aggregates = await Task.WhenAll(stores.Select(s => context.CallActivityAsync<AggregatedStore>(ForecastActivityNames.AggregateStore,
            new AggregateStoreInput(run.Root, s, run.RunDate, run.ConfigJson, run.Dataset))));

        Status(context, "train", stores.Count, stores.Count, $"training ({run.Training})");
        var model = await TrainAsync(context, run, aggregates);

        Status(context, "predict", 0, stores.Count, $"week {run.WeekStart} to {run.WeekEnd} with {model.Name}");
        var forecasts = await Task.WhenAll(aggregates.Select(a => context.CallActivityAsync<PredictedStore>(ForecastActivityNames.PredictStore,
            new PredictStoreInput(run.Root, a.Store, a.Path, model.Path))));
        var artifacts = aggregates.Zip(forecasts, (a, f) => new StoreArtifacts(a.Store, a.Path, a.DataHash, f.Path)).ToList();

        Status(context, "review", 0, 1, "automatic checks");
        var deadline = context.CurrentUtcDateTime.AddHours(run.DeadlineHours);
        var review = await context.CallActivityAsync<ForecastReviewSummary>(ForecastActivityNames.Review,
            new ReviewForecastInput(run.Root, run.ConfigJson, run.Dataset, run.RunDate, run.WeekStart, run.WeekEnd, artifacts, model, deadline));
        await NotifyAsync(context, new ForecastNotification(
            $"Weekly forecast {run.WeekStart} awaits review",
            $"{review.Summary}. Model: {model.Name} ({model.Reason}). Decide by {deadline:u} (policy {run.DeadlinePolicy}).",
            review.IsClean ? "Info" : "Warning",
            ReviewLinks(context)));

        // Version 2 reminds the reviewers before the deadline; an instance started before it keeps waiting without one.
        var remindAt = version >= WorkflowVersions.ReviewReminder && run.ReminderHours > 0 ? deadline.AddHours(-run.ReminderHours) : (DateTime?)null;
        var (decision, verdict) = await WaitForDecisionAsync(context, run, review, artifacts, deadline, remindAt);

        var published = new List<PublishedStoreFile>();
        if (verdict is "approved" or "adjusted" or "approved-at-deadline")
        {
            Status(context, "publish", 0, stores.Count, $"{verdict} by {decision?.Reviewer ?? "deadline policy"}");
            var adjustments = decision?.Adjustments ?? [];
            var key = DecisionKey(verdict, decision);
            var options = TaskOptions.FromRetryPolicy(PublishRetry);
            published.AddRange(await Task.WhenAll(artifacts.Select(a => context.CallActivityAsync<PublishedStoreFile>(ForecastActivityNames.PublishStore,
                new PublishStoreInput(run.Root, a, model.Path, run.WeekStart, verdict, key, decision?.Reviewer, decision?.Comment,
                    adjustments.Where(x => x.Store == a.Store).ToList()), options))));
        }

        Status(context, "notify", 0, 1, verdict);
        await NotifyAsync(context, Outcome(context, run, verdict, decision, published));

        var output = new WeeklyForecastOutput(run.RunDate, run.WeekStart, run.WeekEnd, verdict, decision?.Reviewer, decision?.Comment,
            published, model, review,
            artifacts.Zip(forecasts, (a, f) => new StoreWeekSummary(a.Store, f.Items, f.ForecastUnits, f.OrderUnits, f.Path, a.AggregatePath)).ToList(),
            run.Root, run.DataHash, run.QuarantinedRows, _notifications.ToList());
        Status(context, "done", 1, 1, $"{verdict}; {published.Sum(p => p.Units)} units in {published.Count} store files");
        return output;
    }

    /// <summary>
    /// The train step, behind one method so the job path can replace it: <c>InProcess</c> trains in an
    /// activity of this host; <c>Job</c> is where a training-job sub-orchestration goes.
    /// </summary>
    private static Task<ForecastModelSummary> TrainAsync(TaskOrchestrationContext context, PreparedForecastRun run, IReadOnlyList<AggregatedStore> aggregates) =>
        run.Training switch
        {
            ForecastTrainingMode.InProcess => context.CallActivityAsync<ForecastModelSummary>(ForecastActivityNames.Train,
                new TrainForecastInput(run.Root, run.ConfigJson, aggregates.Select(a => a.Path).ToList())),
            ForecastTrainingMode.Job => Training.ForecastTrainingJob.TrainAsync(context,
                new TrainForecastInput(run.Root, run.ConfigJson, aggregates.Select(a => a.Path).ToList())),
            _ => throw new NotSupportedException($"Serverless:Forecast:Training = {run.Training} is not available yet; use {ForecastTrainingMode.InProcess}."),
        };

    /// <summary>How many refused decisions one review takes before it is held, so history stays bounded.</summary>
    private const int MaxRefusedDecisions = 100;

    /// <summary>
    /// Waits for a valid decision until the deadline. A decision that is malformed or names unknown
    /// stores or items is refused (the status says why) and the wait goes on for the time left.
    /// </summary>
    private async Task<(ForecastReviewDecision? Decision, string Verdict)> WaitForDecisionAsync(TaskOrchestrationContext context,
        PreparedForecastRun run, ForecastReviewSummary review, IReadOnlyList<StoreArtifacts> artifacts, DateTime deadline, DateTime? remindAt)
    {
        var detail = $"{review.Summary}; decide by {deadline:u}";
        for (var refused = 0; refused < MaxRefusedDecisions;)
        {
            context.SetCustomStatus(WorkflowStatus.Waiting("review", ReviewEvent, detail) with { Warnings = Warnings() });
            var reminding = remindAt is { } r && r > context.CurrentUtcDateTime;
            var left = (reminding ? remindAt!.Value : deadline) - context.CurrentUtcDateTime;
            ForecastReviewDecision? received = null;
            if (left > TimeSpan.Zero)
            {
                try
                {
                    received = await context.WaitForExternalEvent<ForecastReviewDecision>(ReviewEvent, left);
                }
                catch (TaskCanceledException)
                {
                    received = null;
                }
            }
            if (received is null && reminding)
            {
                remindAt = null;
                await NotifyAsync(context, new ForecastNotification(
                    $"Reminder: weekly forecast {run.WeekStart} awaits review",
                    $"Nobody has decided yet. The deadline is {deadline:u}; then the policy {run.DeadlinePolicy} applies.",
                    "Warning",
                    ReviewLinks(context)));
                continue;
            }
            if (received is null)
            {
                var approve = run.DeadlinePolicy == nameof(Serverless.Forecasting.Configuration.DeadlinePolicy.AutoApproveWhenClean) && review.IsClean;
                return (null, approve ? "approved-at-deadline" : "held-at-deadline");
            }

            var (normalized, verdict, problems) = Normalize(received);
            if (problems.Count == 0)
            {
                problems = await context.CallActivityAsync<List<string>>(ForecastActivityNames.ValidateDecision,
                    new ValidateDecisionInput(artifacts, normalized));
            }
            if (problems.Count == 0) return (normalized, verdict);
            refused++;
            detail = $"refused a decision from {received.Reviewer ?? "someone"}: {string.Join("; ", problems)}. Still waiting; decide by {deadline:u}";
        }
        return (null, "held-after-refused-decisions");
    }

    /// <summary>Decision names are case-insensitive; approve with adjustments is adjust, adjust without any is approve.</summary>
    public static (ForecastReviewDecision Decision, string Verdict, List<string> Problems) Normalize(ForecastReviewDecision decision)
    {
        var problems = new List<string>();
        var adjustments = decision.Adjustments ?? [];
        var kind = decision.Decision?.Trim().ToLowerInvariant();
        var verdict = kind switch
        {
            "approve" or "adjust" => adjustments.Count > 0 ? "adjusted" : "approved",
            "reject" => "rejected",
            _ => null,
        };
        if (verdict is null) problems.Add($"decision '{decision.Decision}' is not approve, adjust or reject");
        if (verdict == "rejected" && adjustments.Count > 0) problems.Add("a rejection carries no adjustments");
        foreach (var a in adjustments)
        {
            if (a is null || string.IsNullOrWhiteSpace(a.Store) || string.IsNullOrWhiteSpace(a.Item)) problems.Add("an adjustment needs store and item");
            else if (a.WeekUnits < 0) problems.Add($"adjustment {a.Store}/{a.Item}: weekUnits must not be negative, found {a.WeekUnits}");
        }
        var duplicates = adjustments.Where(a => a is not null).GroupBy(a => (a.Store, a.Item)).Where(g => g.Count() > 1).Select(g => $"{g.Key.Store}/{g.Key.Item}").ToList();
        if (duplicates.Count > 0) problems.Add($"more than one adjustment for {string.Join(", ", duplicates)}");
        var normalized = decision with
        {
            Decision = verdict switch { "adjusted" => "adjust", "approved" => "approve", "rejected" => "reject", _ => decision.Decision },
            Adjustments = adjustments.Where(a => a is not null).OrderBy(a => a.Store, StringComparer.Ordinal).ThenBy(a => a.Item, StringComparer.Ordinal).ToList(),
        };
        return (normalized, verdict ?? "invalid", problems);
    }

    /// <summary>The Monday on or before the day (UTC) the orchestration started.</summary>
    internal static string DefaultRunDate(DateTime utcNow)
    {
        var today = DateOnly.FromDateTime(utcNow);
        var monday = today.AddDays(-(((int)today.DayOfWeek + 6) % 7));
        return monday.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }

    /// <summary>Proposals of different decisions (other adjustments) go to different folders of the run.</summary>
    internal static string DecisionKey(string verdict, ForecastReviewDecision? decision)
    {
        var text = new StringBuilder(verdict);
        foreach (var a in decision?.Adjustments ?? []) text.Append('|').Append(a.Store).Append('/').Append(a.Item).Append('=').Append(a.WeekUnits);
        text.Append('|').Append(decision?.Comment);
        return verdict + "-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..8];
    }

    private static ForecastNotification Outcome(TaskOrchestrationContext context, PreparedForecastRun run, string verdict, ForecastReviewDecision? decision, IReadOnlyList<PublishedStoreFile> published)
    {
        var conflicts = published.Where(p => p.Outcome == "conflict").Select(p => p.Store).ToList();
        var who = decision?.Reviewer is { } reviewer ? $" by {reviewer}" : "";
        var comment = string.IsNullOrWhiteSpace(decision?.Comment) ? "" : $" Comment: {decision!.Comment}";
        ForecastNotification notification = verdict switch
        {
            "rejected" => new($"Weekly forecast {run.WeekStart} rejected", $"Rejected{who}; nothing was published.{comment}", "Warning"),
            "held-after-refused-decisions" => new($"Weekly forecast {run.WeekStart} held",
                $"{MaxRefusedDecisions} decisions were refused; nothing was published. Start a new run to review again.", "Warning"),
            "held-at-deadline" => new($"Weekly forecast {run.WeekStart} held", $"Nobody decided before the deadline and the policy ({run.DeadlinePolicy}) does not approve a flagged forecast; nothing was published. Review it and raise {ReviewEvent}.", "Warning"),
            _ when conflicts.Count > 0 => new($"Weekly forecast {run.WeekStart} published with conflicts",
                $"{published.Count - conflicts.Count} store files published{who}; {string.Join(", ", conflicts)} already had a different order file for the week, left unchanged.{comment}", "Error"),
            _ => new($"Weekly forecast {run.WeekStart} published",
                $"{verdict}{who}: {published.Sum(p => p.Units)} units in {published.Count} store files ({published.Count(p => p.Outcome == "created")} new).{comment}", "Info",
                published.Select(p => p.Path).ToList()),
        };
        return notification with { Links = [StatusLink(context), .. notification.Links ?? []] };
    }

    /// <summary>The review page and the review's status, as the notifications carry them (made absolute by the sinks' link base).</summary>
    private static List<string> ReviewLinks(TaskOrchestrationContext context) =>
        [$"/review.html?instance={context.InstanceId}", $"/api/forecasts/{context.InstanceId}/review", StatusLink(context)];

    private static string StatusLink(TaskOrchestrationContext context) => $"/api/workflows/{context.InstanceId}";

    /// <summary>
    /// Sends a notification through the notify step. Its failure does not stop the run: it is kept for the status and
    /// the output. The step never throws for a sink; an instance from before outcomes existed reads as delivered.
    /// </summary>
    private async Task NotifyAsync(TaskOrchestrationContext context, ForecastNotification notification)
    {
        var outcome = await context.CallActivityAsync<NotificationOutcome>(ForecastActivityNames.Notify, notification);
        _notifications.Add(outcome with { Subject = string.IsNullOrEmpty(outcome.Subject) ? notification.Subject : outcome.Subject });
    }

    private List<string>? Warnings()
    {
        var failed = _notifications.Where(n => !n.Delivered).Select(n => "notification " + n.Describe()).ToList();
        return failed.Count == 0 ? null : failed;
    }

    private void Status(TaskOrchestrationContext context, string step, int done, int total, string detail) =>
        context.SetCustomStatus(WorkflowStatus.Progress(step, done, total, detail) with { Warnings = Warnings() });
}

/// <summary>Where the train step runs (<c>Serverless:Forecast:Training</c>).</summary>
public static class ForecastTrainingMode
{
    public const string InProcess = "InProcess";
    public const string Job = "Job";
}

/// <summary>The activity names WeeklyForecast calls.</summary>
public static class ForecastActivityNames
{
    public const string Prepare = "ForecastPrepare";
    public const string AggregateStore = "ForecastAggregateStore";
    public const string Train = "ForecastTrain";
    public const string PredictStore = "ForecastPredictStore";
    public const string Review = "ForecastReview";
    public const string ValidateDecision = "ForecastValidateDecision";
    public const string PublishStore = "ForecastPublishStore";
    public const string Notify = "ForecastNotify";
}
