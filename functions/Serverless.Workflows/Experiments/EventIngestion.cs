using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Experiments.Events;
using Serverless.Storage.Blobs;

namespace Serverless.Workflows.Experiments;

/// <summary>The batch holds no records at all.</summary>
public sealed class EmptyBatchException(string source) : Exception($"{source}: the batch holds no events.");

/// <summary>
/// Takes a batch of events (HTTP body, a chunk of a replayed file): validates it against the stored definitions to
/// compute its identity and counts, stores it once under that identity, and starts the <c>ExperimentAggregation</c>
/// orchestration that applies it. The instance id derives from the identity, so the same batch submitted twice finds
/// its first instance instead of starting another (the aggregate's ledger would make a second one change nothing anyway).
/// </summary>
public sealed class EventIngestion(ExperimentDefinitionStore definitions, IBlobStore blobs, DurableTaskClient client)
{
    /// <summary>Parses, stores and schedules one batch.</summary>
    /// <exception cref="EventBatchFormatException">A JSON-array body that is not valid JSON as a whole.</exception>
    /// <exception cref="EmptyBatchException">No records.</exception>
    public async Task<BatchSubmission> SubmitAsync(ReadOnlyMemory<byte> body, string format, string source, int firstLineNumber = 1,
        bool forceRecompute = false, CancellationToken cancellationToken = default)
    {
        if (!BatchFormats.IsKnown(format)) throw new ArgumentException($"unknown batch format '{format}'", nameof(format));
        var catalog = await definitions.GetCatalogAsync(cancellationToken).ConfigureAwait(false);
        BatchSummary summary;
        IReadOnlyList<string> experiments;
        using (var parser = new EventBatchParser(catalog))
        using (var batch = format == BatchFormats.JsonArray ? parser.ParseJsonArray(body.Span, source) : parser.ParseJsonLines(body.Span, source, firstLineNumber))
        {
            summary = batch.Summarize();
            experiments = batch.ExperimentIds;
        }
        if (summary.Records == 0) throw new EmptyBatchException(source);

        var path = ExperimentKeys.BatchPath(summary.Identity, format);
        try
        {
            await blobs.WriteOnceAsync(path, body, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobContentConflictException)
        {
            // The same records in other bytes (whitespace, property order): the stored copy is the same batch.
        }

        var input = new ExperimentBatchInput(path, summary.Identity, format, source, firstLineNumber, forceRecompute);
        var instanceId = ExperimentKeys.InstanceId(summary.Identity);
        var duplicate = false;
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(ExperimentAggregationOrchestrator.Name, input, new StartOrchestrationOptions(instanceId), cancellationToken).ConfigureAwait(false);
        }
        catch (InstanceAlreadyExistsException)
        {
            var existing = await client.GetInstanceAsync(instanceId, false, cancellationToken).ConfigureAwait(false);
            if (existing is { RuntimeStatus: OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated })
            {
                // The earlier attempt did not finish its work: run the batch again (the ledger skips what was applied).
                await client.PurgeInstanceAsync(instanceId, cancellationToken).ConfigureAwait(false);
                await client.ScheduleNewOrchestrationInstanceAsync(ExperimentAggregationOrchestrator.Name, input, new StartOrchestrationOptions(instanceId), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                duplicate = true;
            }
        }
        return new BatchSubmission(instanceId, summary.Identity, path, summary.Records, summary.Accepted, summary.Quarantined,
            summary.QuarantinedByReason, experiments, duplicate);
    }
}
