using Serverless.Experiments.Events;

namespace Serverless.Experiments.Aggregation;

/// <summary>
/// The batches already applied to one experiment's aggregates: the cheap first check before eventIds are looked at.
/// Content identities are kept up to a bound, oldest forgotten first (a forgotten batch sent again is still counted once:
/// its eventIds are); Event Hubs identities compact into sequence ranges per partition, so a steady stream stays one range.
/// </summary>
public sealed class AppliedBatchLedger(int maxContentHashes = 100_000)
{
    private readonly HashSet<string> _contentHashes = new(StringComparer.Ordinal);
    private readonly Queue<string> _contentOrder = new();
    private readonly SortedDictionary<string, SequenceRangeSet> _partitions = new(StringComparer.Ordinal);

    /// <summary>Remembered content hashes, oldest first.</summary>
    public IReadOnlyCollection<string> ContentHashes => _contentOrder;

    public int MaxContentHashes { get; } = maxContentHashes >= 1 ? maxContentHashes : throw new ArgumentOutOfRangeException(nameof(maxContentHashes));

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
            RecordContentHash(identity.ContentHash!);
            return;
        }
        if (!_partitions.TryGetValue(identity.PartitionId!, out var set)) _partitions[identity.PartitionId!] = set = new SequenceRangeSet();
        foreach (var range in identity.Sequences) set.Add(range);
    }

    internal void RecordContentHash(string hash)
    {
        if (!_contentHashes.Add(hash)) return;
        _contentOrder.Enqueue(hash);
        while (_contentOrder.Count > MaxContentHashes) _contentHashes.Remove(_contentOrder.Dequeue());
    }

    internal void RecordRange(string partitionId, SequenceRange range)
    {
        if (!_partitions.TryGetValue(partitionId, out var set)) _partitions[partitionId] = set = new SequenceRangeSet();
        set.Add(range);
    }
}
