using Serverless.Experiments.Aggregation;
using Serverless.Experiments.Definitions;
using Serverless.Experiments.Events;
using Serverless.Storage.Blobs;

namespace Serverless.Workflows.Experiments;

/// <summary>One experiment's aggregate as read from the blob store, with the ETag of exactly that version (null when none is stored yet).</summary>
/// <param name="ContentSha256">SHA-256 of the stored bytes, which are the aggregate's canonical JSON: its <see cref="ExperimentAggregate.ComputeHash"/> without serialising again.</param>
public sealed record LoadedAggregate(ExperimentAggregate Aggregate, string? ETag, string? ContentSha256 = null)
{
    public string Hash => ContentSha256 ?? Aggregate.ComputeHash();
}

/// <summary>
/// The per-experiment aggregates in the blob store (<c>experiments/{id}/aggregate.json</c>), updated with optimistic
/// concurrency: read with the ETag, apply, write only if the blob still has that ETag; on a conflict read again and
/// apply again.
/// </summary>
/// <remarks>
/// <para>Why ETag retry rather than one serialising orchestration per experiment: the aggregate blob already carries its
/// own ledger of applied batches, so the read-apply-write cycle is idempotent by itself, and a conditional write is the
/// one primitive Blob Storage guarantees across any number of Function App instances. A per-experiment singleton
/// orchestration would need an event queue and ContinueAsNew bookkeeping and would still need the ledger for the
/// activity's at-least-once re-runs. Batches touching several experiments are applied to each independently.</para>
/// <para>Exactly once: the batch identity is written in the same blob as the counts it produced, so a re-run after a
/// crash (the write happened, the acknowledgement did not) finds its identity and changes nothing; a concurrent writer
/// makes the conditional write fail, never lose an update.</para>
/// </remarks>
public sealed class AggregateStore(IBlobStore blobs, ExperimentsSettings settings)
{
    public async Task<LoadedAggregate?> TryLoadAsync(string experimentId, CancellationToken cancellationToken = default)
    {
        BlobContent content;
        try
        {
            content = await blobs.ReadAsync(ExperimentKeys.AggregatePath(experimentId), cancellationToken).ConfigureAwait(false);
        }
        catch (BlobNotFoundException)
        {
            return null;
        }
        return new LoadedAggregate(ExperimentAggregate.FromJson(content.Content, content.Properties.Path), content.Properties.ETag,
            content.Properties.ContentSha256 ?? Storage.Blobs.ContentHash.Sha256(content.Content));
    }

    /// <summary>The stored aggregate, or an empty one for an experiment that has seen no events yet.</summary>
    public async Task<LoadedAggregate> LoadAsync(ExperimentDefinition definition, CancellationToken cancellationToken = default) =>
        await TryLoadAsync(definition.Id, cancellationToken).ConfigureAwait(false) ?? new LoadedAggregate(ExperimentAggregate.Create(definition), null);

    /// <summary>Applies the batch's events for <paramref name="definition"/> exactly once, retrying on concurrent writes.</summary>
    /// <exception cref="AggregateContentionException">Still conflicting after the configured number of attempts.</exception>
    public async Task<ExperimentApplyOutcome> ApplyAsync(ExperimentDefinition definition, EventBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(batch);
        var path = ExperimentKeys.AggregatePath(definition.Id);
        for (var attempt = 1; ; attempt++)
        {
            var loaded = await LoadAsync(definition, cancellationToken).ConfigureAwait(false);
            var (aggregate, etag) = (loaded.Aggregate, loaded.ETag);
            var result = aggregate.Apply(batch);
            if (!result.Changed)
            {
                return new ExperimentApplyOutcome(definition.Id, result.Outcome, result.EventsApplied, result.EventsSkippedAsDuplicates,
                    attempt, TotalEvents(aggregate), loaded.Hash);
            }
            var json = aggregate.ToUtf8Json();
            var outcome = new ExperimentApplyOutcome(definition.Id, result.Outcome, result.EventsApplied, result.EventsSkippedAsDuplicates,
                attempt, TotalEvents(aggregate), Storage.Blobs.ContentHash.Sha256(json));
            try
            {
                var condition = etag is null ? BlobWriteCondition.IfAbsent : BlobWriteCondition.IfMatch(etag);
                await blobs.WriteAsync(path, json, condition, cancellationToken).ConfigureAwait(false);
                return outcome;
            }
            catch (BlobPreconditionFailedException) when (attempt < settings.MaxApplyAttempts)
            {
                // Another batch wrote in between: read its version and apply on top of it. A short random pause keeps
                // contending writers from colliding again in lockstep.
                await Task.Delay(Random.Shared.Next(0, 1 << Math.Min(attempt, 7)), cancellationToken).ConfigureAwait(false);
            }
            catch (BlobPreconditionFailedException ex)
            {
                throw new AggregateContentionException(definition.Id, batch.Identity.Key, attempt, ex);
            }
        }
    }

    /// <summary>All events counted in the aggregate (exposures, clicks, conversions).</summary>
    public static long TotalEvents(ExperimentAggregate aggregate) =>
        aggregate.Summarize().Variants.Sum(v => v.ExposureEvents + v.ClickEvents + v.ConversionEvents);
}

/// <summary>The aggregate kept changing under this apply; the activity fails and the orchestration retries it.</summary>
public sealed class AggregateContentionException(string experimentId, string batchIdentity, int attempts, Exception inner)
    : Exception($"The aggregate of experiment '{experimentId}' changed under batch {batchIdentity} on each of {attempts} attempts.", inner);
