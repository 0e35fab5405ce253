using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Experiments.Aggregation;
using Serverless.Experiments.Events;
using Serverless.Storage.Blobs;

namespace Serverless.Workflows.Experiments;

/// <summary>
/// The one writer of an experiment shard: takes every part waiting in the shard's pending list, applies them all to the
/// shard's aggregate in memory and commits the result in one conditional write, then deletes the parts. One read-modify-write
/// per round however many batches arrived, so nothing contends: the round simply grows with the load.
/// </summary>
/// <remarks>
/// <para>Exactly once. A part whose batch identity is in the shard's ledger changes nothing (a round that committed and then
/// died before deleting its parts); an event whose eventId was counted before is skipped, whatever batch it came in. The
/// ledger, the dedupe state and the counts are committed together in <c>state.bin</c>, so a crash at any point either loses
/// the whole round (its parts are still pending and are applied again) or keeps it whole (its parts are found applied).</para>
/// <para>The aggregate stays in memory between rounds (rounds of one shard are serialised here, and the singleton
/// aggregator runs one at a time anyway). The write is conditional on the ETag of the version it was loaded from, so a stale
/// writer elsewhere cannot overwrite a newer round: it fails, reloads and applies again.</para>
/// </remarks>
public sealed class ShardDrainer(
    ExperimentDefinitionStore definitions, ShardStateStore states, IBlobStore blobs, ExperimentsSettings settings, ApplyLagMonitor lag,
    ApplyMetrics metrics, TimeProvider time, ILogger<ShardDrainer>? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger<ShardDrainer>.Instance;
    private readonly ConcurrentDictionary<(string, int), ShardSlot> _slots = new();

    /// <summary>When this process last started a round of the shard that applied something (the minimum value when never).</summary>
    public DateTimeOffset LastRoundStartedAt(string experimentId, int shard) =>
        _slots.TryGetValue((experimentId, shard), out var slot) ? slot.LastRoundStartedAt : DateTimeOffset.MinValue;

    /// <summary>Applies what is pending for the shard; a round with nothing pending changes nothing.</summary>
    public async Task<DrainResult> DrainAsync(string experimentId, int shard, CancellationToken cancellationToken = default)
    {
        var slot = _slots.GetOrAdd((experimentId, shard), _ => new ShardSlot());
        await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return await RoundAsync(slot, experimentId, shard, cancellationToken).ConfigureAwait(false);
                }
                catch (BlobPreconditionFailedException) when (attempt < settings.MaxApplyAttempts)
                {
                    // Another writer committed since this state was loaded: its parts are gone from the list, reload and redo.
                    slot.Loaded = null;
                    _logger.LogWarning("Shard {Experiment}/{Shard}: the state changed under this round (attempt {Attempt}); reloading", experimentId, shard, attempt);
                }
                catch
                {
                    // The in-memory state may hold part of a round that was not committed.
                    slot.Loaded = null;
                    throw;
                }
            }
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    private async Task<DrainResult> RoundAsync(ShardSlot slot, string experimentId, int shard, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        // Every part acknowledged before this instant is in the listing below.
        var listedAt = time.GetUtcNow();
        var pending = new List<BlobItem>();
        await foreach (var item in blobs.ListAsync(ExperimentKeys.PendingPrefix(experimentId, shard), cancellationToken).ConfigureAwait(false)) pending.Add(item);
        if (pending.Count == 0) return DrainResult.Nothing(experimentId, shard);
        slot.LastRoundStartedAt = listedAt;

        var found = await definitions.GetAsync(experimentId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Experiment '{experimentId}' has pending events but no definition any more.");
        var definition = found.Definition;
        var catalog = new ExperimentCatalog([definition]);
        slot.Loaded ??= await states.LoadForWriteAsync(definition, shard, cancellationToken).ConfigureAwait(false);
        var aggregate = slot.Loaded.Aggregate;

        var listMs = clock.Elapsed.TotalMilliseconds;
        long applied = 0, skipped = 0, refused = 0, events = 0;
        var taken = new List<(string Path, DateTimeOffset AcknowledgedAt, int Events)>();
        var rawBodies = new Dictionary<string, byte[]?>(StringComparer.Ordinal);
        var more = false;
        var untaken = pending.Count;
        // Parts are read a few ahead of the one being applied: the reads wait on storage, the applies on the CPU.
        var reads = new Queue<Task<byte[]?>>();
        var next = 0;
        void ReadAhead()
        {
            while (reads.Count < ReadAheadParts && next < pending.Count) reads.Enqueue(ReadPartAsync(pending[next++].Path, cancellationToken));
        }
        ReadAhead();
        for (var index = 0; index < pending.Count; index++)
        {
            var item = pending[index];
            if (events >= settings.MaxEventsPerRound)
            {
                more = true;
                untaken = index;
                break;
            }
            var encoded = await reads.Dequeue().ConfigureAwait(false);
            ReadAhead();
            if (encoded is null) continue; // deleted by a round that committed meanwhile
            EventBatch batch;
            ShardBatchHeader header;
            try
            {
                batch = ShardBatchCodec.Decode(encoded, catalog, item.Path, out header);
            }
            catch (InvalidDataException ex)
            {
                // A part that cannot be applied (damaged, or written for variants the experiment no longer has) must not block the shard.
                await blobs.WriteAsync($"experiments/quarantine/parts/{Path.GetFileName(item.Path)}", encoded, BlobWriteCondition.Overwrite, cancellationToken).ConfigureAwait(false);
                _logger.LogError("Shard {Experiment}/{Shard}: part {Part} set aside in experiments/quarantine/parts: {Message}", experimentId, shard, item.Path, ex.Message);
                taken.Add((item.Path, item.LastModified, 0));
                continue;
            }
            using (batch)
            {
                var result = aggregate.Apply(batch);
                applied += result.EventsApplied;
                skipped += result.EventsSkippedAsDuplicates;
                refused += result.Rejected.Count;
                events += header.Events;
                if (result.Rejected.Count > 0) await QuarantineAsync(batch, header, result, rawBodies, experimentId, shard, cancellationToken).ConfigureAwait(false);
            }
            taken.Add((item.Path, header.AcknowledgedAt, header.Events));
        }

        // Reads started ahead of a round that stopped at its size limit: nobody needs them, but their failures must be observed.
        foreach (var read in reads) _ = read.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        var applyMs = clock.Elapsed.TotalMilliseconds;
        var etag = await states.CommitAsync(slot.Loaded, cancellationToken).ConfigureAwait(false);
        var commitMs = clock.Elapsed.TotalMilliseconds;
        slot.Loaded = slot.Loaded with { ETag = etag };
        var committedAt = time.GetUtcNow();
        lag.Applied(experimentId, shard, taken.Select(t => t.Path));
        metrics.RecordRound(experimentId, shard, taken.Count, applied, skipped, refused, taken.Select(t => (committedAt - t.AcknowledgedAt, t.Events)), clock.Elapsed);

        var totalEvents = aggregate.TotalEvents;
        // With parts left over, only what was acknowledged before the oldest of them is known to be applied (a part is written before it is acknowledged).
        var appliedThrough = more ? pending.Skip(untaken).Select(p => p.LastModified).DefaultIfEmpty(listedAt).Min() : listedAt;
        var status = new ShardStatus(experimentId, shard, appliedThrough < listedAt ? appliedThrough : listedAt, committedAt, etag,
            totalEvents, aggregate.DistinctUsers, pending.Count, taken.Count, aggregate.Dedupe.Status());
        await blobs.WriteAsync(ExperimentKeys.ShardStatusPath(experimentId, shard),
            JsonSerializer.SerializeToUtf8Bytes(status, ExperimentDocumentsJsonContext.Default.ShardStatus), BlobWriteCondition.Overwrite, cancellationToken).ConfigureAwait(false);
        // The parts are applied and committed: delete them, several at a time (each is a small storage round trip).
        await Parallel.ForEachAsync(taken, new ParallelOptions { MaxDegreeOfParallelism = ReadAheadParts, CancellationToken = cancellationToken },
            async (part, token) => await blobs.DeleteAsync(part.Path, token).ConfigureAwait(false)).ConfigureAwait(false);

        _logger.LogInformation("Shard {Experiment}/{Shard}: {Parts} part(s), {Applied} events applied, {Skipped} counted before, {Refused} quarantined in {Ms} ms " +
            "(list and load {ListMs:0} ms, read and apply {ApplyMs:0} ms, commit {CommitMs:0} ms, status and delete {DeleteMs:0} ms)",
            experimentId, shard, taken.Count, applied, skipped, refused, clock.ElapsedMilliseconds, listMs, applyMs - listMs, commitMs - applyMs, clock.Elapsed.TotalMilliseconds - commitMs);
        return new DrainResult(experimentId, shard, taken.Count, applied, skipped, refused, more, totalEvents);
    }

    /// <summary>Storage reads (and deletes) kept in flight at once by a round.</summary>
    private const int ReadAheadParts = 8;

    private async Task<byte[]?> ReadPartAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return await ShardStateStore.ReadWithoutPropertiesAsync(blobs, path, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Writes the events the aggregate refused, with reason, line and the raw text from the stored body.</summary>
    private async Task QuarantineAsync(EventBatch batch, ShardBatchHeader header, BatchApplyResult result, Dictionary<string, byte[]?> rawBodies,
        string experimentId, int shard, CancellationToken cancellationToken)
    {
        if (!rawBodies.TryGetValue(header.RawReference, out var raw))
        {
            try
            {
                raw = await blobs.ReadAllBytesAsync(header.RawReference, cancellationToken).ConfigureAwait(false);
            }
            catch (BlobNotFoundException)
            {
                raw = null;
            }
            rawBodies[header.RawReference] = raw;
        }
        var records = new List<QuarantinedEvent>();
        foreach (var rejected in result.Rejected)
        {
            var source = batch.Source(rejected.EventIndex);
            var text = raw is not null && source.RawOffset >= 0 && source.RawOffset + source.RawLength <= raw.Length
                ? Encoding.UTF8.GetString(raw, source.RawOffset, Math.Min(source.RawLength, 4000))
                : source.Reconstructed;
            if (text.Length > 1000) text = text[..1000];
            var location = source.Line >= 0 ? $"{header.Source} line {source.Line}" : source.SequenceNumber is { } n ? $"{header.Source} sequence {n}" : header.Source;
            records.Add(new QuarantinedEvent(rejected.EventIndex, source.Line >= 0 ? source.Line : null, source.SequenceNumber, source.EventId, rejected.Reason, "eventId",
                $"{location}, field 'eventId': {rejected.Message}", text));
        }
        await blobs.WriteAsync(ExperimentKeys.ApplyQuarantinePath(header.Identity, experimentId, shard),
            JsonSerializer.SerializeToUtf8Bytes(records, ExperimentDocumentsJsonContext.Default.ListQuarantinedEvent), BlobWriteCondition.Overwrite, cancellationToken).ConfigureAwait(false);
    }


    private sealed class ShardSlot
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public LoadedShard? Loaded;
        public DateTimeOffset LastRoundStartedAt = DateTimeOffset.MinValue;
    }
}
