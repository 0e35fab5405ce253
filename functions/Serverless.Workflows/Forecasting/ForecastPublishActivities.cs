using Microsoft.DurableTask;
using Serverless.Durable;
using Serverless.Forecasting.Configuration;
using Serverless.Forecasting.Proposals;
using Serverless.Storage.Blobs;
using Serverless.Storage.Notifications;
using Serverless.Workflows.Common;

namespace Serverless.Workflows.Forecasting;

/// <summary>
/// The order file a store receives for one target week (<c>stores/{store}/orders/{weekStart}.json</c>).
/// It holds the orders and where they come from, not who approved them: the same orders approved again
/// (by someone else, or by the deadline policy) are the same file. Decisions are in the run's output
/// and its proposal folder.
/// </summary>
/// <param name="WeekEnd">Last day of the week (inclusive).</param>
public sealed record StoreOrderFile(
    string Store,
    string RunDate,
    string WeekStart,
    string WeekEnd,
    double ServiceLevel,
    IReadOnlyList<StoreOrderLine> Lines,
    StoreOrderManifest Manifest);

/// <param name="Orders">Units to order per day of the week.</param>
/// <param name="Adjusted">True when a reviewer changed the proposed quantities.</param>
public sealed record StoreOrderLine(string Item, IReadOnlyList<int> Orders, int WeekUnits, bool Adjusted);

/// <summary>Where the file's numbers come from: parameters, data and model, code, and the hashes of the proposal it renders
/// (the proposal itself is in the run's folder, <see cref="PublishedStoreFile.ProposalPath"/>).</summary>
public sealed record StoreOrderManifest(
    string ModelVersion,
    string Method,
    bool ModelPromoted,
    string PromotionReason,
    ForecastConfig Parameters,
    string StoreDataHash,
    string TrainingDataHash,
    string CodeVersion,
    string ProposalCsvSha256,
    string ProposalJsonSha256);

/// <summary>
/// Publish step for one store: applies the reviewer's adjustments, writes the proposal (CSV, JSON and
/// manifest) under the run, then the store's order file with write-once semantics. A repeated call (a
/// retry, a re-delivered work item, a second run for the same week) finds the same file and writes
/// nothing; a different file already published for the week is left unchanged and reported as a conflict.
/// </summary>
public sealed class ForecastPublishStoreActivity(IBlobStore blobs) : TaskActivity<PublishStoreInput, PublishedStoreFile>
{
    public override async Task<PublishedStoreFile> RunAsync(TaskActivityContext context, PublishStoreInput input)
    {
        var cancellationToken = context.CancellationToken;
        var store = input.Store;
        var forecast = await ForecastPredictStoreActivity.ReadAsync(blobs, store.ForecastPath, cancellationToken);
        var model = await ForecastModelCache.LoadAsync(blobs, input.ModelPath, cancellationToken);
        var overrides = input.Adjustments.Select(a => OrderOverride.ForWeek(a.Store, a.Item, a.WeekUnits, input.Comment)).ToList();
        var proposal = OrderProposalBuilder.Build(forecast, overrides, model.Info, store.AggregateHash, ForecastArtifacts.CodeVersion);

        var csvPath = ForecastArtifacts.Proposal(input.Root, input.DecisionKey, store.Store, "csv");
        // The run's own copy (same bytes on every attempt); the store's file below is the publication.
        await blobs.WriteAsync(csvPath, proposal.Csv, BlobWriteCondition.Overwrite, cancellationToken);
        await blobs.WriteAsync(ForecastArtifacts.Proposal(input.Root, input.DecisionKey, store.Store, "json"), proposal.Json, BlobWriteCondition.Overwrite, cancellationToken);
        await blobs.WriteAsync(ForecastArtifacts.Proposal(input.Root, input.DecisionKey, store.Store, "manifest.json"), proposal.ManifestJson, BlobWriteCondition.Overwrite, cancellationToken);
        await blobs.WriteAsync(ForecastArtifacts.Proposal(input.Root, input.DecisionKey, store.Store, "decision.json"),
            ForecastArtifacts.ToJsonBytes(new { input.Decision, Reviewer = input.Reviewer ?? "deadline policy", input.Comment, input.Adjustments }),
            BlobWriteCondition.Overwrite, cancellationToken);

        var adjusted = proposal.Manifest.Overrides.Select(o => o.Item).ToHashSet(StringComparer.Ordinal);
        var lines = forecast.Items.OrderBy(i => i.Item, StringComparer.Ordinal).Select(item =>
        {
            var orders = proposal.Manifest.Overrides.FirstOrDefault(o => o.Item == item.Item)?.FinalOrders ?? item.Order;
            return new StoreOrderLine(item.Item, orders.ToList(), orders.Sum(), adjusted.Contains(item.Item));
        }).ToList();
        var m = proposal.Manifest;
        var file = new StoreOrderFile(store.Store, ForecastArtifacts.Date(forecast.RunDate), input.WeekStart,
            ForecastArtifacts.Date(m.TargetEnd.AddDays(-1)), forecast.ServiceLevel, lines,
            new StoreOrderManifest(m.ModelVersion, m.Method, m.ModelPromoted, m.PromotionReason, m.Parameters, m.StoreDataHash, m.TrainingDataHash,
                m.CodeVersion, m.CsvSha256, m.JsonSha256));
        var path = ForecastArtifacts.StoreFile(store.Store, input.WeekStart);
        string outcome;
        try
        {
            var written = await blobs.WriteOnceAsync(path, ForecastArtifacts.ToJsonBytes(file), cancellationToken);
            outcome = written.Outcome == WriteOnceOutcome.Created ? "created" : "already-present";
        }
        catch (BlobContentConflictException)
        {
            outcome = "conflict";
        }
        return new PublishedStoreFile(store.Store, path, lines.Count, lines.Sum(l => l.WeekUnits), outcome, csvPath);
    }
}

/// <summary>
/// Sends a notification through every configured sink (the local record and the webhooks). A sink that fails is
/// reported in the outcome, never thrown: a notification that does not arrive must not fail the forecast.
/// </summary>
public sealed class ForecastNotifyActivity(NotificationChannels channels) : TaskActivity<ForecastNotification, NotificationOutcome>
{
    public override async Task<NotificationOutcome> RunAsync(TaskActivityContext context, ForecastNotification input)
    {
        var severity = Enum.TryParse<NotificationSeverity>(input.Severity, ignoreCase: true, out var s) ? s : NotificationSeverity.Info;
        var links = (input.Links ?? []).Select(l => new NotificationLink(LinkTitle(l), l)).ToList();
        var notification = new Notification($"[{context.InstanceId}] {input.Subject}", input.Body, severity, links);
        var delivery = await channels.SendAsync(notification, context.CancellationToken);
        return NotificationOutcome.From(input.Subject, delivery);
    }

    private static string LinkTitle(string link) => link switch
    {
        _ when link.StartsWith("/review.html", StringComparison.Ordinal) => "Review page",
        _ when link.StartsWith("/api/forecasts/", StringComparison.Ordinal) => "Review status",
        _ when link.StartsWith("/api/workflows/", StringComparison.Ordinal) => "Run status",
        _ => link,
    };
}
