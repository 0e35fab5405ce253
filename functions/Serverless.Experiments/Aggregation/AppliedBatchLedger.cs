using Serverless.Experiments.Events;

namespace Serverless.Experiments.Aggregation;

/// <summary>
/// The batches already applied to one experiment's aggregates. Content identities are kept all (one hash per
/// batch); Event Hubs identities compact into sequence ranges per partition, so a steady stream stays one range.
/// </summary>
public sealed class AppliedBatchLedger
{
    private readonly SortedSet<string> _contentHashes = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, SequenceRangeSet> _partitions = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> ContentHashes => _contentHashes;

    public IReadOnlyDictionary<string, IReadOnlyList<SequenceRange>> Partitions =>
        _partitions.ToDictionary(p => p.Key, p => p.Value.Ranges, StringComparer.Ordinal);

    /// <summary>True when applying the batch again would change nothing.</summary>
    public bool IsFullyApplied(BatchIdentity identity) => identity.Kind switch
    {
        BatchIdentityKind.ContentHash => _contentHashes.Contains(identity.ContentHash!),
        _ => _partitions.TryGetValue(identity.PartitionId!, out var set) && identity.Sequences.All(set.ContainsAll),
    };

    internal bool OverlapsAny(BatchIdentity identity) =>
        identity.Kind == BatchIdentityKind.EventHubsSequence
        && _partitions.TryGetValue(identity.PartitionId!, out var set)
        && identity.Sequences.Any(set.Overlaps);

    internal bool Covers(string partitionId, long sequence) =>
        _partitions.TryGetValue(partitionId, out var set) && set.Contains(sequence);

    internal void Record(BatchIdentity identity)
    {
        if (identity.Kind == BatchIdentityKind.ContentHash)
        {
            _contentHashes.Add(identity.ContentHash!);
            return;
        }
        if (!_partitions.TryGetValue(identity.PartitionId!, out var set)) _partitions[identity.PartitionId!] = set = new SequenceRangeSet();
        foreach (var range in identity.Sequences) set.Add(range);
    }

    internal void RecordContentHash(string hash) => _contentHashes.Add(hash);

    internal void RecordRange(string partitionId, SequenceRange range)
    {
        if (!_partitions.TryGetValue(partitionId, out var set)) _partitions[partitionId] = set = new SequenceRangeSet();
        set.Add(range);
    }
}
