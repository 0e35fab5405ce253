using Serverless.Experiments.Aggregation;
using Serverless.Experiments.Definitions;
using Serverless.Storage.Blobs;

namespace Serverless.Workflows.Experiments;

/// <summary>One shard's aggregate as read from the blob store, with the ETag of exactly that version (null when none is stored yet).</summary>
public sealed record LoadedShard(ExperimentAggregate Aggregate, string? ETag);

/// <summary>
/// Where an experiment shard's state lives: <c>state.bin</c> (the aggregate without its dedupe entries, rewritten each
/// round with an ETag condition: the commit point) and immutable dedupe segments that <c>state.bin</c> lists (each round
/// adds one with only the round's new eventIds, and trailing segments are merged so their number stays logarithmic). A
/// crash between writing a segment and committing the state leaves an unlisted segment, which is ignored and later deleted.
/// </summary>
public sealed class ShardStateStore(IBlobStore blobs, ExperimentsSettings settings, TimeProvider time)
{
    /// <summary>Unlisted segments older than this are a crashed round's leftovers (a live round takes seconds).</summary>
    private static readonly TimeSpan OrphanAge = TimeSpan.FromMinutes(10);

    /// <summary>The stored state without dedupe entries (what statistics need), or null before the shard's first round.</summary>
    public async Task<LoadedShard?> TryLoadStateAsync(string experimentId, int shard, CancellationToken cancellationToken = default)
    {
        BlobContent content;
        try
        {
            content = await blobs.ReadAsync(ExperimentKeys.ShardStatePath(experimentId, shard), cancellationToken).ConfigureAwait(false);
        }
        catch (BlobNotFoundException)
        {
            return null;
        }
        return new LoadedShard(ExperimentAggregate.FromBinary(content.Content, content.Properties.Path, settings.AggregateOptions), content.Properties.ETag);
    }

    /// <summary>Every shard's stored state (shards without events yet are left out).</summary>
    public async Task<IReadOnlyList<LoadedShard>> LoadAllStatesAsync(string experimentId, CancellationToken cancellationToken = default)
    {
        var shards = new List<LoadedShard>();
        for (var shard = 0; shard < settings.ShardsPerExperiment; shard++)
        {
            if (await TryLoadStateAsync(experimentId, shard, cancellationToken).ConfigureAwait(false) is { } loaded) shards.Add(loaded);
        }
        return shards;
    }

    /// <summary>The state with its dedupe entries, ready to apply to: the stored one, or an empty one for a new shard.</summary>
    public async Task<LoadedShard> LoadForWriteAsync(ExperimentDefinition definition, int shard, CancellationToken cancellationToken = default)
    {
        var loaded = await TryLoadStateAsync(definition.Id, shard, cancellationToken).ConfigureAwait(false);
        if (loaded is null)
        {
            return new LoadedShard(ExperimentAggregate.Create(definition, shard, settings.ShardsPerExperiment, settings.AggregateOptions), null);
        }
        var aggregate = loaded.Aggregate;
        if (aggregate.ShardCount != settings.ShardsPerExperiment)
        {
            throw new InvalidOperationException(
                $"Experiment '{definition.Id}' was aggregated in {aggregate.ShardCount} shard(s), but Serverless:Experiments:ShardsPerExperiment is {settings.ShardsPerExperiment}; the shard count cannot change once events arrived.");
        }
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var segment in aggregate.Dedupe.Segments)
        {
            var path = ExperimentKeys.DedupeSegmentPath(definition.Id, shard, segment.Name);
            aggregate.Dedupe.LoadSegmentEntries(await ReadWithoutPropertiesAsync(blobs, path, cancellationToken).ConfigureAwait(false));
            listed.Add(path);
        }
        await DeleteOrphanSegmentsAsync(definition.Id, shard, listed, cancellationToken).ConfigureAwait(false);
        return loaded;
    }

    /// <summary>
    /// Persists a round: the dedupe bounds are enforced, the round's new eventIds become a segment, trailing segments are
    /// merged, and the state is written only if the stored version is still <see cref="LoadedShard.ETag"/>. Returns the
    /// new ETag. On <see cref="BlobPreconditionFailedException"/> another writer committed meanwhile: drop this state and reload.
    /// </summary>
    public async Task<string> CommitAsync(LoadedShard loaded, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        var aggregate = loaded.Aggregate;
        var dedupe = aggregate.Dedupe;
        var obsolete = new List<string>();
        var path = ExperimentKeys.ShardStatePath(aggregate.ExperimentId, aggregate.Shard);
        var condition = loaded.ETag is null ? BlobWriteCondition.IfAbsent : BlobWriteCondition.IfMatch(loaded.ETag);
        dedupe.EnforceBounds();

        var count = dedupe.NewEntryCount;
        var entries = dedupe.TakeNewEntries(out var min, out var max);
        if (count > 0) dedupe.AddSegment(await WriteSegmentAsync(aggregate, entries, count, min, max, cancellationToken).ConfigureAwait(false));
        obsolete.AddRange(dedupe.RemoveObsoleteSegments().Select(s => s.Name));

        var merge = dedupe.PlanMerge();
        if (merge.Count >= 2)
        {
            var bodies = new List<ReadOnlyMemory<byte>>();
            foreach (var segment in merge)
            {
                var segmentPath = ExperimentKeys.DedupeSegmentPath(aggregate.ExperimentId, aggregate.Shard, segment.Name);
                try
                {
                    bodies.Add(await ReadWithoutPropertiesAsync(blobs, segmentPath, cancellationToken).ConfigureAwait(false));
                }
                catch (BlobNotFoundException ex)
                {
                    // Another writer merged it away after this state was loaded: this state is stale, as a failed ETag would say.
                    throw new BlobPreconditionFailedException(path, condition, BlobPreconditionFailure.ETagMismatch, ex);
                }
            }
            var merged = dedupe.MergeSegments(bodies, out var mergedCount, out var mergedMin, out var mergedMax);
            dedupe.ReplaceSegments(merge, await WriteSegmentAsync(aggregate, merged, mergedCount, mergedMin, mergedMax, cancellationToken).ConfigureAwait(false));
            obsolete.AddRange(merge.Select(s => s.Name));
        }

        var state = new System.Buffers.ArrayBufferWriter<byte>(aggregate.BinarySizeHint);
        aggregate.WriteBinary(state);
        var written = await blobs.WriteAsync(path, state.WrittenMemory, condition, cancellationToken).ConfigureAwait(false);
        foreach (var name in obsolete)
        {
            await blobs.DeleteAsync(ExperimentKeys.DedupeSegmentPath(aggregate.ExperimentId, aggregate.Shard, name), cancellationToken).ConfigureAwait(false);
        }
        return written.ETag;
    }

    /// <summary>
    /// A blob's bytes without its properties: immutable blobs (parts, segments) need no version, and the file store would
    /// otherwise hash every byte read to compute one.
    /// </summary>
    internal static async Task<byte[]> ReadWithoutPropertiesAsync(IBlobStore blobs, string path, CancellationToken cancellationToken)
    {
        await using var stream = await blobs.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
        using var copy = stream.CanSeek ? new MemoryStream(checked((int)stream.Length)) : new MemoryStream();
        await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
        return copy.Length == copy.Capacity ? copy.GetBuffer() : copy.ToArray();
    }

    private async Task<DedupeSegment> WriteSegmentAsync(ExperimentAggregate aggregate, byte[] body, long entries, uint min, uint max, CancellationToken cancellationToken)
    {
        // Unique per write: a stale writer's segment can never replace a committed one.
        var name = $"{time.GetUtcNow():yyyyMMddHHmmssfff}-{Guid.NewGuid():N}.seg";
        await blobs.WriteAsync(ExperimentKeys.DedupeSegmentPath(aggregate.ExperimentId, aggregate.Shard, name), body, BlobWriteCondition.IfAbsent, cancellationToken).ConfigureAwait(false);
        return new DedupeSegment(name, entries, min, max);
    }

    private async Task DeleteOrphanSegmentsAsync(string experimentId, int shard, HashSet<string> listed, CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - OrphanAge;
        var orphans = new List<string>();
        await foreach (var item in blobs.ListAsync(ExperimentKeys.DedupeSegmentPath(experimentId, shard, ""), cancellationToken).ConfigureAwait(false))
        {
            if (!listed.Contains(item.Path) && item.LastModified < cutoff) orphans.Add(item.Path);
        }
        foreach (var path in orphans) await blobs.DeleteAsync(path, cancellationToken).ConfigureAwait(false);
    }
}
