namespace Serverless.Experiments.Events;

/// <summary>Inclusive range of Event Hubs sequence numbers.</summary>
public sealed record SequenceRange(long First, long Last)
{
    public override string ToString() => First == Last ? First.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{First}-{Last}";

    /// <summary>Sorted, merged ranges covering exactly <paramref name="sequenceNumbers"/>.</summary>
    public static IReadOnlyList<SequenceRange> Compact(IEnumerable<long> sequenceNumbers)
    {
        var sorted = sequenceNumbers.Distinct().Order().ToList();
        var ranges = new List<SequenceRange>();
        foreach (var n in sorted)
        {
            if (ranges.Count > 0 && ranges[^1].Last + 1 == n) ranges[^1] = ranges[^1] with { Last = n };
            else ranges.Add(new SequenceRange(n, n));
        }
        return ranges;
    }
}

public enum BatchIdentityKind
{
    /// <summary>SHA-256 of the batch's normalised bytes (HTTP bodies, JSONL replay).</summary>
    ContentHash,

    /// <summary>Event Hubs partition and the sequence numbers the batch holds.</summary>
    EventHubsSequence,
}

/// <summary>
/// What makes a batch the same batch when it is delivered again. Content identity is SHA-256 over the normalised
/// records in order: event objects by their decoded fields, anything else by its trimmed bytes (see ContentHasher), so
/// whitespace, escapes, property order and array-versus-lines framing do not change it; the order of records does.
/// </summary>
public sealed record BatchIdentity
{
    private BatchIdentity(BatchIdentityKind kind, string? contentHash, string? partitionId, IReadOnlyList<SequenceRange> sequences)
    {
        Kind = kind;
        ContentHash = contentHash;
        PartitionId = partitionId;
        Sequences = sequences;
    }

    public BatchIdentityKind Kind { get; }

    /// <summary>Lower-case hex SHA-256; set for <see cref="BatchIdentityKind.ContentHash"/>.</summary>
    public string? ContentHash { get; }

    /// <summary>Set for <see cref="BatchIdentityKind.EventHubsSequence"/>.</summary>
    public string? PartitionId { get; }

    /// <summary>Sorted, merged sequence ranges; empty for content identities.</summary>
    public IReadOnlyList<SequenceRange> Sequences { get; }

    /// <summary>A stable text form, for logs and storage keys.</summary>
    public string Key => Kind == BatchIdentityKind.ContentHash
        ? "sha256:" + ContentHash
        : $"eventhubs:{PartitionId}:{string.Join(",", Sequences)}";

    public static BatchIdentity ForContent(string sha256Hex)
    {
        if (sha256Hex is not { Length: 64 } || !sha256Hex.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException($"expected 64 lower-case hex digits, got '{sha256Hex}'", nameof(sha256Hex));
        }
        return new BatchIdentity(BatchIdentityKind.ContentHash, sha256Hex, null, []);
    }

    public static BatchIdentity ForEventHubs(string partitionId, IEnumerable<long> sequenceNumbers)
    {
        ArgumentException.ThrowIfNullOrEmpty(partitionId);
        var ranges = SequenceRange.Compact(sequenceNumbers);
        if (ranges.Count > 0 && ranges[0].First < 0) throw new ArgumentException("sequence numbers must not be negative", nameof(sequenceNumbers));
        return new BatchIdentity(BatchIdentityKind.EventHubsSequence, null, partitionId, ranges);
    }

    /// <summary>Reads a <see cref="Key"/> back.</summary>
    public static BatchIdentity Parse(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (key.StartsWith("sha256:", StringComparison.Ordinal)) return ForContent(key["sha256:".Length..]);
        if (key.StartsWith("eventhubs:", StringComparison.Ordinal))
        {
            var rest = key["eventhubs:".Length..];
            var colon = rest.LastIndexOf(':');
            if (colon > 0)
            {
                var numbers = new List<long>();
                foreach (var part in rest[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries))
                {
                    var dash = part.IndexOf('-', 1);
                    var first = long.Parse(dash < 0 ? part : part[..dash], System.Globalization.CultureInfo.InvariantCulture);
                    var last = dash < 0 ? first : long.Parse(part[(dash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                    if (last < first || last - first > 10_000_000) throw new FormatException($"batch identity '{key}' has a bad range '{part}'");
                    for (var n = first; n <= last; n++) numbers.Add(n);
                }
                return ForEventHubs(rest[..colon], numbers);
            }
        }
        throw new FormatException($"'{key}' is not a batch identity (sha256:... or eventhubs:PARTITION:RANGES)");
    }

    public bool Equals(BatchIdentity? other) => other is not null && Key == other.Key;

    public override int GetHashCode() => Key.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => Key;
}

/// <summary>One Event Hubs message: its sequence number in the partition and its body (one event object or an array of them).</summary>
public readonly record struct EventHubsMessage(long SequenceNumber, ReadOnlyMemory<byte> Body);
