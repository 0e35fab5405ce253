using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Serverless.Recommendations.Data;

/// <summary>
/// One service's interactions after import: unique (user, item) pairs with summed weights and the
/// latest timestamp, sorted by user then item over ordinal-ordered id maps. Immutable.
/// </summary>
public sealed class InteractionDataset
{
    private string? _hash;

    private readonly int[] _userIndex;
    private readonly int[] _itemIndex;
    private readonly float[] _weights;
    private readonly long[]? _timestamps;

    internal InteractionDataset(IdMap users, IdMap items, int[] userIndex, int[] itemIndex, float[] weights, long[]? timestamps)
    {
        Users = users;
        Items = items;
        _userIndex = userIndex;
        _itemIndex = itemIndex;
        _weights = weights;
        _timestamps = timestamps;
    }

    public IdMap Users { get; }
    public IdMap Items { get; }

    /// <summary>Dense user index of each interaction.</summary>
    public ReadOnlySpan<int> UserIndex => _userIndex;

    /// <summary>Dense item index of each interaction.</summary>
    public ReadOnlySpan<int> ItemIndex => _itemIndex;

    /// <summary>Summed weight (confidence evidence) of each interaction.</summary>
    public ReadOnlySpan<float> Weights => _weights;

    /// <summary>Latest timestamp of each interaction in Unix milliseconds (UTC); empty when the data has none.</summary>
    public ReadOnlySpan<long> Timestamps => _timestamps;

    public int Count => _weights.Length;

    /// <summary>The latest interaction time, or null when the data has no timestamps or no interactions.</summary>
    public DateTimeOffset? DataEndUtc => _timestamps is { Length: > 0 } ts ? DateTimeOffset.FromUnixTimeMilliseconds(ts.Max()) : null;
    public bool HasTimestamps => _timestamps is not null;

    /// <summary>
    /// SHA-256 over the canonical content (ids, weights, timestamps in sorted order): the same
    /// interactions give the same hash whatever the row order of the source file.
    /// </summary>
    public string Hash => _hash ??= ComputeHash();

    /// <summary>The user-by-item matrix of weights.</summary>
    public CsrMatrix ToUserItemMatrix()
    {
        return CsrMatrix.FromCoordinates(Users.Count, Items.Count, _userIndex, _itemIndex, _weights);
    }

    /// <summary>A dataset with the chosen interactions (positions ascending) over the same id maps, for splits.</summary>
    public InteractionDataset Subset(IReadOnlyList<int> positions)
    {
        var users = new int[positions.Count];
        var items = new int[positions.Count];
        var weights = new float[positions.Count];
        var timestamps = _timestamps is null ? null : new long[positions.Count];
        var previous = -1;
        for (var i = 0; i < positions.Count; i++)
        {
            var p = positions[i];
            if (p <= previous) throw new ArgumentException("Positions must be strictly ascending.", nameof(positions));
            previous = p;
            users[i] = _userIndex[p];
            items[i] = _itemIndex[p];
            weights[i] = _weights[p];
            if (timestamps is not null) timestamps[i] = _timestamps![p];
        }
        return new InteractionDataset(Users, Items, users, items, weights, timestamps);
    }

    private string ComputeHash()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> buffer = stackalloc byte[20];
        AppendIds(hash, Users);
        AppendIds(hash, Items);
        for (var i = 0; i < Count; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(buffer, _userIndex[i]);
            BinaryPrimitives.WriteInt32LittleEndian(buffer[4..], _itemIndex[i]);
            BinaryPrimitives.WriteSingleLittleEndian(buffer[8..], _weights[i]);
            BinaryPrimitives.WriteInt64LittleEndian(buffer[12..], _timestamps?[i] ?? long.MinValue);
            hash.AppendData(buffer);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void AppendIds(IncrementalHash hash, IdMap ids)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, ids.Count);
        hash.AppendData(length);
        foreach (var id in ids)
        {
            var bytes = Encoding.UTF8.GetBytes(id);
            BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
            hash.AppendData(length);
            hash.AppendData(bytes);
        }
    }
}
