using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.DurableTask;
using Serverless.Durable;
using Serverless.Experiments.Events;
using Serverless.Storage.Blobs;

namespace Serverless.Workflows.Experiments;

/// <summary>
/// Reads the stored batch, validates it against the current definitions, writes its quarantined records, and applies
/// it to each experiment's aggregate exactly once. Safe to run again at any point: the quarantine file is rewritten with
/// the same content, and each aggregate's ledger turns a repeated apply into "already applied".
/// </summary>
public sealed class ApplyExperimentBatchActivity(
    ExperimentDefinitionStore definitions, AggregateStore aggregates, IBlobStore blobs, ILogger<ApplyExperimentBatchActivity>? logger = null)
    : TaskActivity<ExperimentBatchInput, ExperimentBatchApplied>
{
    public const string Name = "ApplyExperimentBatch";

    private readonly ILogger _logger = logger ?? NullLogger<ApplyExperimentBatchActivity>.Instance;

    public override async Task<ExperimentBatchApplied> RunAsync(TaskActivityContext context, ExperimentBatchInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var cancellationToken = context.CancellationToken;
        var body = await blobs.ReadAllBytesAsync(input.BatchPath, cancellationToken).ConfigureAwait(false);
        var catalog = await definitions.GetCatalogAsync(cancellationToken).ConfigureAwait(false);
        using var parser = new EventBatchParser(catalog);
        using var batch = input.Format == BatchFormats.JsonArray
            ? parser.ParseJsonArray(body, input.Source)
            : parser.ParseJsonLines(body, input.Source, input.FirstLineNumber);
        if (batch.Identity.Key != input.BatchIdentity)
        {
            throw new InvalidDataException($"Batch '{input.BatchPath}' has identity {batch.Identity.Key}, but was submitted as {input.BatchIdentity}; the stored batch is not the one submitted.");
        }

        string? quarantinePath = null;
        if (batch.Quarantined.Count > 0)
        {
            quarantinePath = ExperimentKeys.QuarantinePath(batch.Identity.Key);
            var json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(batch.Quarantined.ToList(), ExperimentDocumentsJsonContext.Default.ListQuarantinedEvent);
            await blobs.WriteAsync(quarantinePath, json, BlobWriteCondition.Overwrite, cancellationToken).ConfigureAwait(false);
        }

        var outcomes = new List<ExperimentApplyOutcome>(batch.ExperimentIds.Count);
        foreach (var experimentId in batch.ExperimentIds)
        {
            var definition = catalog.Experiments[catalog.IndexOf(experimentId)];
            var outcome = await aggregates.ApplyAsync(definition, batch, cancellationToken).ConfigureAwait(false);
            outcomes.Add(outcome);
            _logger.LogInformation("Batch {Batch}: experiment {Experiment} {Outcome}, {Applied} events applied, {Skipped} skipped, {Attempts} attempt(s)",
                batch.Identity.Key, experimentId, outcome.Outcome, outcome.EventsApplied, outcome.EventsSkipped, outcome.Attempts);
        }
        var summary = batch.Summarize();
        return new ExperimentBatchApplied(summary.Identity, summary.Records, summary.Accepted, summary.Quarantined, summary.QuarantinedByReason, quarantinePath, outcomes);
    }
}

/// <summary>Recomputes and publishes one experiment's statistics and weights when the cadence says so.</summary>
public sealed class RecomputeExperimentActivity(ExperimentRecomputer recomputer) : TaskActivity<RecomputeRequest, RecomputeResult>
{
    public const string Name = "RecomputeExperiment";

    public override Task<RecomputeResult> RunAsync(TaskActivityContext context, RecomputeRequest input) =>
        recomputer.RecomputeIfDueAsync(input, context.CancellationToken);
}
