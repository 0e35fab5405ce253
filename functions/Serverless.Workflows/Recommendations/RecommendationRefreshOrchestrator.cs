using System.Globalization;
using Microsoft.DurableTask;
using Serverless.Durable;
using Serverless.Recommendations.Publishing;
using Serverless.Recommendations.Scoring;
using Serverless.Workflows.Common;

namespace Serverless.Workflows.Recommendations;

/// <summary>
/// Rebuilds each service's user-to-items and item-to-items lists: import the interaction log -> search the
/// hyper-parameters (a fan-out of trials, see <see cref="RecommendationSearch"/>) -> train the winner on all data
/// -> evaluate against the archived model in service, or popularity (gate) -> if the gate allows: score users
/// and item neighbours in shards with the rules applied (fan-out) -> publish each shard to the document
/// store (fan-out) -> switch the service's pointer to the new version -> report.
/// </summary>
/// <remarks>
/// Services run side by side and independently: a service whose data or rules are bad, or whose new model
/// the gate refuses, keeps the lists it has while the others go on; its result says why. Payloads between
/// steps are blob paths and small records; data, models and lists live in the blob store.
/// </remarks>
public sealed class RecommendationRefreshOrchestrator : TaskOrchestrator<RecommendationRefreshInput?, RecommendationRefreshResult>
{
    public const string Name = "RecommendationRefresh";

    /// <summary>Publication and scoring steps only read and overwrite derived artifacts, so they may simply run again.</summary>
    internal static readonly TaskOptions RetryIdempotent = TaskOptions.FromRetryPolicy(
        new RetryPolicy(3, TimeSpan.FromSeconds(2), backoffCoefficient: 2.0)
        {
            HandleFailure = failure => !failure.IsCausedBy<InvalidDataException>() && !failure.IsCausedBy<ArgumentException>(),
        });

    private readonly SortedDictionary<string, string> _steps = new(StringComparer.Ordinal);
    private int _finished;

    public override async Task<RecommendationRefreshResult> RunAsync(TaskOrchestrationContext context, RecommendationRefreshInput? input)
    {
        input ??= new RecommendationRefreshInput();
        var runId = RecommendationPaths.SafeSegment(context.InstanceId);
        var startedAt = context.CurrentUtcDateTime;

        context.SetCustomStatus(WorkflowStatus.Progress("plan", 0, 0, "reading the recommendation settings"));
        var plan = await context.CallActivityAsync<RefreshPlan>(RecommendationActivityNames.Plan, new PlanRequest(runId, input.Services, input.Seed));
        foreach (var service in plan.Services) _steps[service] = "waiting";
        Report(context, plan);

        var results = await Task.WhenAll(plan.Services.Select(service => RefreshServiceAsync(context, plan, service)));

        context.SetCustomStatus(WorkflowStatus.Progress("report", plan.Services.Count, plan.Services.Count));
        var reportPath = await context.CallActivityAsync<string>(RecommendationActivityNames.Report, new ReportRequest(runId, startedAt, results));

        var detail = string.Join("; ", results.Select(r => $"{r.Service}: {r.Outcome.ToString().ToLowerInvariant()}: {r.Reason}"));
        context.SetCustomStatus(WorkflowStatus.Progress("done", plan.Services.Count, plan.Services.Count, detail));
        return new RecommendationRefreshResult(runId, results, reportPath);
    }

    private async Task<ServiceRefreshResult> RefreshServiceAsync(TaskOrchestrationContext context, RefreshPlan plan, string service)
    {
        ImportedData? data = null;
        SearchOutcome? search = null;
        TrainedModel? model = null;
        EvaluationOutcome? evaluation = null;
        try
        {
            Step(context, plan, service, "import");
            data = await context.CallActivityAsync<ImportedData>(RecommendationActivityNames.Import, new ServiceStep(plan.SettingsPath, service));

            Step(context, plan, service, "search");
            search = await RecommendationSearch.RunAsync(context, plan, service, data);

            Step(context, plan, service, "train");
            model = await TrainAsync(context, plan, new TrainRequest(plan.SettingsPath, service, data.DataPath, data.DataHash, search.Winner));

            Step(context, plan, service, "evaluate");
            evaluation = await context.CallActivityAsync<EvaluationOutcome>(RecommendationActivityNames.Evaluate,
                new EvaluateRequest(plan.SettingsPath, service, data.DataPath, model, search));
            if (!evaluation.Publish)
            {
                Finish(context, plan, service, "kept: " + evaluation.Reason);
                return new ServiceRefreshResult(service, ServiceRefreshOutcome.Kept, evaluation.Reason, model.ListVersion,
                    evaluation.InServiceVersion, data, model, evaluation, Search: search);
            }

            var userShards = Shard.PlanBySize(model.Users, plan.UserShardSize);
            var itemShards = Shard.PlanBySize(model.Items, plan.ItemShardSize);
            Step(context, plan, service, string.Create(CultureInfo.InvariantCulture,
                $"score {userShards.Count} user shards and {itemShards.Count} item shards"));
            var shards = await Task.WhenAll(
                userShards.Select(s => ScoreAsync(context, plan, service, data, model, ListKind.UserItems, s))
                    .Concat(itemShards.Select(s => ScoreAsync(context, plan, service, data, model, ListKind.ItemItems, s))));

            Step(context, plan, service, string.Create(CultureInfo.InvariantCulture, $"publish {shards.Length} shards"));
            await Task.WhenAll(shards.Select(s => context.CallActivityAsync<int>(RecommendationActivityNames.PublishShard,
                new PublishShardRequest(service, model.ListVersion, s.Kind, s.Path), RetryIdempotent)));

            Step(context, plan, service, "activate");
            var publication = await context.CallActivityAsync<PublicationSummary>(RecommendationActivityNames.Activate,
                new ActivateRequest(plan.SettingsPath, service, plan.RunId, context.CurrentUtcDateTime, model, data.DataHash,
                    shards.Where(s => s.Kind == ListKind.UserItems).OrderBy(s => s.Shard).Select(s => s.Path).ToArray(),
                    shards.Where(s => s.Kind == ListKind.ItemItems).OrderBy(s => s.Shard).Select(s => s.Path).ToArray(),
                    evaluation.ModelNdcg), RetryIdempotent);

            Finish(context, plan, service, "published " + model.ListVersion);
            return new ServiceRefreshResult(service, ServiceRefreshOutcome.Published, evaluation.Reason, model.ListVersion,
                evaluation.InServiceVersion, data, model, evaluation, publication, search);
        }
        catch (TaskFailedException e)
        {
            var reason = $"{e.TaskName} failed: {e.FailureDetails.RootMessage()} The lists in service are unchanged.";
            Finish(context, plan, service, "failed: " + reason);
            return new ServiceRefreshResult(service, ServiceRefreshOutcome.Failed, reason, model?.ListVersion,
                evaluation?.InServiceVersion, data, model, evaluation, Search: search);
        }
    }

    /// <summary>
    /// The training step, kept behind this one method: in process it is one activity; the training-job
    /// path (<c>Serverless:Recommendations:Training = Job</c>) runs the TrainingJob sub-orchestration here
    /// and must give a <see cref="TrainedModel"/> in the same blob layout.
    /// </summary>
    internal static Task<TrainedModel> TrainAsync(TaskOrchestrationContext context, RefreshPlan plan, TrainRequest request) => plan.Training switch
    {
        RecommendationTrainingMode.InProcess => context.CallActivityAsync<TrainedModel>(RecommendationActivityNames.Train, request),
        // The trainer job runs ALS; an EASE winner is a closed-form solve on the CPU, done by the activity.
        RecommendationTrainingMode.Job when request.Recipe is { Family: Serverless.Recommendations.Models.ModelFamily.Ease } =>
            context.CallActivityAsync<TrainedModel>(RecommendationActivityNames.Train, request),
        RecommendationTrainingMode.Job => Training.RecommendationTrainingJob.TrainAsync(context, request),
        _ => throw new InvalidOperationException($"Training mode {plan.Training} is not available for recommendations."),
    };

    private static Task<ShardLists> ScoreAsync(TaskOrchestrationContext context, RefreshPlan plan, string service, ImportedData data,
        TrainedModel model, ListKind kind, Shard shard) =>
        context.CallActivityAsync<ShardLists>(RecommendationActivityNames.ScoreShard,
            new ShardRequest(plan.SettingsPath, service, model.ModelPath, data.CatalogPath, model.ListVersion, kind, shard), RetryIdempotent);

    private void Step(TaskOrchestrationContext context, RefreshPlan plan, string service, string step)
    {
        _steps[service] = step;
        Report(context, plan);
    }

    private void Finish(TaskOrchestrationContext context, RefreshPlan plan, string service, string outcome)
    {
        _steps[service] = outcome;
        _finished++;
        Report(context, plan);
    }

    private void Report(TaskOrchestrationContext context, RefreshPlan plan) =>
        context.SetCustomStatus(WorkflowStatus.Progress("refresh", _finished, plan.Services.Count,
            string.Join("; ", _steps.Select(s => $"{s.Key}: {s.Value}"))));
}
