namespace Serverless.Recommendations.Data;

/// <summary>
/// Collects raw interactions, sums duplicate (user, item) pairs (keeping the latest timestamp)
/// and builds an <see cref="InteractionDataset"/> with ordinal-ordered ids.
/// </summary>
public sealed class InteractionDatasetBuilder
{
    private readonly bool _withTimestamps;
    private readonly Dictionary<string, int> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _items = new(StringComparer.Ordinal);
    private readonly List<string> _userIds = [];
    private readonly List<string> _itemIds = [];
    private readonly Dictionary<long, int> _slots = new(PairKeyComparer.Instance);
    private readonly List<long> _keys = [];
    private readonly List<double> _weights = [];
    private readonly List<long> _timestamps = [];

    public InteractionDatasetBuilder(bool withTimestamps) => _withTimestamps = withTimestamps;

    /// <summary>How many added rows were merged into an earlier row for the same (user, item).</summary>
    public int MergedDuplicates { get; private set; }

    /// <summary>Rows added so far (before merging).</summary>
    public int RowsAdded { get; private set; }

    /// <summary>Adds one interaction; a timestamp (Unix milliseconds, UTC) is required when the builder keeps timestamps.</summary>
    public void Add(string user, string item, double weight, long? timestampMs = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        ArgumentException.ThrowIfNullOrEmpty(item);
        if (!double.IsFinite(weight) || weight < 0) throw new ArgumentOutOfRangeException(nameof(weight), weight, "Weight must be finite and non-negative.");
        if (_withTimestamps && timestampMs is null) throw new ArgumentNullException(nameof(timestampMs), "This dataset keeps timestamps; each interaction needs one.");

        var u = Intern(_users, _userIds, user);
        var i = Intern(_items, _itemIds, item);
        var key = ((long)u << 32) | (uint)i;
        RowsAdded++;
        if (_slots.TryGetValue(key, out var slot))
        {
            _weights[slot] += weight;
            if (_withTimestamps && timestampMs!.Value > _timestamps[slot]) _timestamps[slot] = timestampMs.Value;
            MergedDuplicates++;
            return;
        }
        _slots.Add(key, _keys.Count);
        _keys.Add(key);
        _weights.Add(weight);
        if (_withTimestamps) _timestamps.Add(timestampMs!.Value);
    }

    public InteractionDataset Build()
    {
        var users = IdMap.FromIds(_userIds);
        var items = IdMap.FromIds(_itemIds);
        var userRemap = _userIds.Select(users.IndexOf).ToArray();
        var itemRemap = _itemIds.Select(items.IndexOf).ToArray();

        var count = _keys.Count;
        var sortKeys = new long[count];
        var order = new int[count];
        for (var n = 0; n < count; n++)
        {
            var u = userRemap[(int)(_keys[n] >> 32)];
            var i = itemRemap[(int)(uint)_keys[n]];
            sortKeys[n] = ((long)u << 32) | (uint)i;
            order[n] = n;
        }
        Array.Sort(sortKeys, order);

        var userIndex = new int[count];
        var itemIndex = new int[count];
        var weights = new float[count];
        var timestamps = _withTimestamps ? new long[count] : null;
        for (var n = 0; n < count; n++)
        {
            userIndex[n] = (int)(sortKeys[n] >> 32);
            itemIndex[n] = (int)(uint)sortKeys[n];
            weights[n] = (float)_weights[order[n]];
            if (timestamps is not null) timestamps[n] = _timestamps[order[n]];
        }
        return new InteractionDataset(users, items, userIndex, itemIndex, weights, timestamps);
    }

    private static int Intern(Dictionary<string, int> map, List<string> ids, string id)
    {
        if (map.TryGetValue(id, out var index)) return index;
        index = ids.Count;
        map.Add(id, index);
        ids.Add(id);
        return index;
    }

    /// <summary>
    /// Mixes both halves of a (user, item) key: long's own hash XORs them, which maps small dense
    /// indices onto a few thousand buckets and makes a million-row import crawl.
    /// </summary>
    private sealed class PairKeyComparer : IEqualityComparer<long>
    {
        public static readonly PairKeyComparer Instance = new();

        public bool Equals(long x, long y) => x == y;

        public int GetHashCode(long key)
        {
            var z = (ulong)key * 0x9E3779B97F4A7C15UL;
            return (int)(z ^ (z >> 32));
        }
    }
}
