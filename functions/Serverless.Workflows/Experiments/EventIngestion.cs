using System.Text.Json;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Experiments.Events;
using Serverless.Storage.Blobs;

namespace Serverless.Workflows.Experiments;

/// <summary>The batch holds no records at all.</summary>
public sealed class EmptyBatchException(string source) : Exception($"{source}: the batch holds no events.");

/// <summary>Applying lags behind acknowledging by more than the configured bound: send again after <see cref="RetryAfter"/>.</summary>
public sealed class IngestionBackpressureException(TimeSpan lag, TimeSpan bound, TimeSpan retryAfter)
    : Exception($"Events are being applied {lag.TotalSeconds:0.0} s behind their acknowledgement, beyond the bound of {bound.TotalSeconds:0.0} s; nothing was taken, send the batch again in {retryAfter.TotalSeconds:0} s.")
{
    public TimeSpan Lag { get; } = lag;

    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>
/// Takes a batch of events (HTTP body, a chunk of a replayed file, an Event Hubs delivery): refuses it when applying lags
/// beyond the bound, validates it against the definitions (quarantining bad records with reason, line and raw text),
/// stores the body once under its identity, writes one part per experiment shard it touches into that shard's pending
/// list, and wakes the shards' aggregators. Once this returns the batch is durable and will be applied; nothing here
/// touches the aggregates, so ingestion never contends with applying.
/// </summary>
public sealed class EventIngestion(
    ExperimentDefinitionStore definitions, IBlobStore blobs, DurableTaskClient client, AggregatorWaker waker, ApplyLagMonitor lag,
    AggregationBudget budget, ExperimentsSettings settings, TimeProvider time)
{
    /// <summary>Definitions are re-read at most this often on the ingestion path (a PUT in this process shows at once, elsewhere within this time).</summary>
    private static readonly TimeSpan CatalogLifetime = TimeSpan.FromSeconds(1);

    /// <summary>Parses, stores and hands one batch to the aggregators.</summary>
    /// <exception cref="IngestionBackpressureException">Applying lags beyond <see cref="ExperimentsSettings.MaxApplyLag"/>; nothing was stored.</exception>
    /// <exception cref="EventBatchFormatException">A JSON-array body that is not valid JSON as a whole.</exception>
    /// <exception cref="EmptyBatchException">No records.</exception>
    public async Task<BatchSubmission> SubmitAsync(ReadOnlyMemory<byte> body, string format, string source, int firstLineNumber = 1,
        CancellationToken cancellationToken = default)
    {
        if (!BatchFormats.IsKnown(format)) throw new ArgumentException($"unknown batch format '{format}'", nameof(format));
        await ThrowIfLaggingAsync(cancellationToken).ConfigureAwait(false);

        var catalog = await definitions.GetCachedCatalogAsync(CatalogLifetime, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        BatchSummary summary;
        IReadOnlyList<string> experiments;
        IReadOnlyList<ShardBatchPart> parts;
        List<QuarantinedEvent> quarantined;
        string identityKey;
        // A bounded number of submissions at once: their storage writes block threads (file I/O), and the API must keep some.
        await budget.Ingesting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using (var parser = new EventBatchParser(catalog, now + settings.MaxFutureSkew))
            using (var batch = format == BatchFormats.JsonArray ? parser.ParseJsonArray(body.Span, source) : parser.ParseJsonLines(body.Span, source, firstLineNumber))
            {
                summary = batch.Summarize();
                experiments = batch.ExperimentIds;
                identityKey = batch.Identity.Key;
                quarantined = batch.Quarantined.ToList();
                parts = ShardBatchCodec.Split(batch, _ => settings.ShardsPerExperiment, now, ExperimentKeys.BatchPath(identityKey, format));
            }
            if (summary.Records == 0) throw new EmptyBatchException(source);

            // The body (for the raw text of events refused later), the quarantined records and one part per experiment shard,
            // written side by side; all are durable before the batch is acknowledged.
            var path = ExperimentKeys.BatchPath(identityKey, format);
            var quarantinePath = quarantined.Count > 0 ? ExperimentKeys.QuarantinePath(identityKey) : null;
            var pendingPaths = parts.Select(part => ExperimentKeys.PendingPath(part.ExperimentId, part.Shard, identityKey)).ToList();
            var writes = new List<Task>(parts.Count + 2);
            var stored = StoreBodyAsync(path, body, cancellationToken);
            writes.Add(stored);
            if (quarantinePath is not null)
            {
                writes.Add(blobs.WriteAsync(quarantinePath, JsonSerializer.SerializeToUtf8Bytes(quarantined, ExperimentDocumentsJsonContext.Default.ListQuarantinedEvent),
                    BlobWriteCondition.Overwrite, cancellationToken));
            }
            for (var i = 0; i < parts.Count; i++) writes.Add(WritePartAsync(pendingPaths[i], parts[i].Encoded, cancellationToken));
            await Task.WhenAll(writes).ConfigureAwait(false);
            for (var i = 0; i < parts.Count; i++) lag.Acknowledged(parts[i].ExperimentId, parts[i].Shard, pendingPaths[i], now);

            var aggregators = parts.Select(p => (p.ExperimentId, p.Shard)).Distinct().ToList();
            await Task.WhenAll(aggregators.Select(a => waker.WakeAsync(client, a.ExperimentId, a.Shard, cancellationToken))).ConfigureAwait(false);
            return new BatchSubmission(identityKey, path, summary.Records, summary.Accepted, summary.Quarantined, summary.QuarantinedByReason, experiments,
                await stored.ConfigureAwait(false), pendingPaths, aggregators.Select(a => ExperimentKeys.AggregatorInstanceId(a.ExperimentId, a.Shard)).ToList(), quarantinePath);
        }
        finally
        {
            budget.Ingesting.Release();
        }
    }

    /// <summary>Stores the body once under its identity; true when it was there already (the same batch sent before).</summary>
    private async Task<bool> StoreBodyAsync(string path, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        try
        {
            return (await blobs.WriteOnceAsync(path, body, cancellationToken).ConfigureAwait(false)).Outcome == WriteOnceOutcome.AlreadyPresent;
        }
        catch (BlobContentConflictException)
        {
            // The same records in other bytes (whitespace, property order): the stored copy is the same batch.
            return true;
        }
    }

    /// <summary>Adds a part to a shard's pending list; a part already pending (the same batch sent again) stays as it is.</summary>
    private async Task WritePartAsync(string path, byte[] encoded, CancellationToken cancellationToken)
    {
        try
        {
            await blobs.WriteAsync(path, encoded, BlobWriteCondition.IfAbsent, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobPreconditionFailedException)
        {
        }
    }

    /// <summary>Waits until every part of <paramref name="submission"/> has been applied (its pending blob is gone), or the deadline passes.</summary>
    public async Task WaitUntilAppliedAsync(BatchSubmission submission, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(submission);
        var deadline = time.GetUtcNow() + timeout;
        foreach (var path in submission.PendingParts)
        {
            while (await blobs.ExistsAsync(path, cancellationToken).ConfigureAwait(false))
            {
                if (time.GetUtcNow() > deadline) throw new TimeoutException($"Batch {submission.BatchIdentity} was not applied within {timeout}: {path} is still pending.");
                await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task ThrowIfLaggingAsync(CancellationToken cancellationToken)
    {
        var bound = settings.MaxApplyLag;
        if (lag.CurrentLag().Lag <= bound) return;
        var confirmed = await lag.ConfirmedLagAsync(bound, cancellationToken).ConfigureAwait(false);
        if (confirmed <= bound) return;
        // Ask the sender back after about the time the backlog needs to fall under the bound, at least a second.
        var retryAfter = TimeSpan.FromSeconds(Math.Clamp(Math.Ceiling((confirmed - bound).TotalSeconds), 1, 60));
        throw new IngestionBackpressureException(confirmed, bound, retryAfter);
    }
}
