using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Text;

namespace Serverless.Experiments.Aggregation;

[Flags]
internal enum UserFlags : byte
{
    None = 0,
    Exposed = 1,
    Clicked = 2,
    Converted = 4,
    HasValue = 8,
    /// <summary>Values from before the first exposure wait in the aggregate's pending list.</summary>
    HasPendingValues = 16,
    All = Exposed | Clicked | Converted | HasValue | HasPendingValues,
}

/// <summary>What one user did in one variant. Every field merges by an order-free operation: OR, sum, minimum, maximum.</summary>
internal struct UserVariantState
{
    /// <summary>Sum of values from events at or after the first exposure.</summary>
    public long ValueMicros;
    public long FirstExposureTicks;
    /// <summary>The latest conversion: the user converted after exposure when it is at or after the first exposure.</summary>
    public long LastConversionTicks;
    public UserFlags Flags;
}

/// <summary>
/// Per-user state keyed by the user id's UTF-8 bytes, laid out for the per-event hot path. A user is almost always in
/// one variant, so each record holds the id (inline up to 24 bytes) next to the state for the first variant seen: one
/// lookup touches one record. State for any further variant (a data-quality problem, but it must be counted) goes to an
/// overflow map. Slots are dense and never move, so they double as stable user numbers within the aggregate.
/// </summary>
internal sealed class UserStateTable
{
    private const int InlineKeyBytes = 24;
    private const byte NoVariant = byte.MaxValue;

    private readonly Dictionary<long, UserVariantState> _overflow = [];
    private int[] _buckets = new int[1 << 12];
    private Record[] _records = new Record[1 << 11];
    private byte[] _longKeys = new byte[1024];
    private int _longKeysUsed;

    public int Count { get; private set; }

    /// <summary>Users present in more than one variant.</summary>
    public int UsersInSeveralVariants => _overflow.Keys.Select(k => k >> 8).Distinct().Count();

    /// <summary>The slot of <paramref name="key"/>, adding the user when new.</summary>
    public int FindOrAdd(ReadOnlySpan<byte> key) => FindOrAdd(key, Hash(key));

    /// <summary>As <see cref="FindOrAdd(ReadOnlySpan{byte})"/> with the key's <see cref="Hash"/> already computed.</summary>
    public int FindOrAdd(ReadOnlySpan<byte> key, int hash)
    {
        var mask = _buckets.Length - 1;
        var index = hash & mask;
        while (true)
        {
            var bucket = _buckets[index];
            if (bucket == 0) break;
            ref var record = ref _records[bucket - 1];
            if (record.Hash == hash && KeyOf(ref record).SequenceEqual(key)) return bucket - 1;
            index = (index + 1) & mask;
        }
        return Add(key, hash, index);
    }

    /// <summary>The state of a user in a variant, created empty on first use.</summary>
    public ref UserVariantState StateOf(int slot, int variant)
    {
        ref var record = ref _records[slot];
        if (record.Variant == variant) return ref record.State;
        if (record.Variant == NoVariant)
        {
            record.Variant = (byte)variant;
            return ref record.State;
        }
        return ref CollectionsMarshal.GetValueRefOrAddDefault(_overflow, OverflowKey(slot, variant), out _);
    }

    /// <summary>The state of a user in a variant, or an empty state when the user never appeared there.</summary>
    public UserVariantState Get(int slot, int variant)
    {
        ref var record = ref _records[slot];
        if (record.Variant == variant) return record.State;
        return _overflow.TryGetValue(OverflowKey(slot, variant), out var state) ? state : default;
    }

    /// <summary>
    /// Cache hints for a lookup that will come soon. Users arrive in random order and the table outgrows the caches, so
    /// every lookup would otherwise wait for memory twice (bucket, then record); issuing the loads some events ahead lets
    /// them overlap. Call <see cref="PrefetchBucket"/> a few events before <see cref="PrefetchRecord"/>, which reads the bucket.
    /// </summary>
    public void PrefetchBucket(int hash) => Prefetch(ref _buckets[hash & (_buckets.Length - 1)]);

    /// <inheritdoc cref="PrefetchBucket"/>
    public void PrefetchRecord(int hash)
    {
        var bucket = _buckets[hash & (_buckets.Length - 1)];
        if (bucket == 0) return;
        // A record can straddle two cache lines; ask for both.
        ref var record = ref _records[bucket - 1];
        Prefetch(ref record);
        Prefetch(ref Unsafe.AddByteOffset(ref Unsafe.As<Record, byte>(ref record), Unsafe.SizeOf<Record>() - 1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Prefetch<T>(ref T location)
    {
        // A hint only: a stale address after the GC moved the array is harmless.
        if (Sse.IsSupported) Sse.Prefetch0(Unsafe.AsPointer(ref location));
    }

    public string UserOf(int slot) => Encoding.UTF8.GetString(KeyOf(ref _records[slot]));

    /// <summary>The UTF-8 id of the user in <paramref name="slot"/>.</summary>
    public ReadOnlySpan<byte> KeyOf(int slot) => KeyOf(ref _records[slot]);

    internal static long OverflowKey(int slot, int variant) => ((long)slot << 8) | (uint)variant;

    private int Add(ReadOnlySpan<byte> key, int hash, int bucketIndex)
    {
        if (Count == _records.Length) Array.Resize(ref _records, _records.Length * 2);
        var slot = Count++;
        ref var record = ref _records[slot];
        record.Hash = hash;
        record.Variant = NoVariant;
        record.KeyLength = (ushort)key.Length;
        if (key.Length <= InlineKeyBytes)
        {
            key.CopyTo(record.Key);
        }
        else
        {
            if (_longKeysUsed + key.Length > _longKeys.Length) Array.Resize(ref _longKeys, Math.Max(_longKeys.Length * 2, _longKeysUsed + key.Length));
            key.CopyTo(_longKeys.AsSpan(_longKeysUsed));
            MemoryMarshal.Write(record.Key, _longKeysUsed);
            _longKeysUsed += key.Length;
        }
        _buckets[bucketIndex] = slot + 1;
        // Keep the load at most one half so probe runs stay short.
        if (Count * 2 > _buckets.Length) Rehash();
        return slot;
    }

    private void Rehash()
    {
        var buckets = new int[_buckets.Length * 2];
        var mask = buckets.Length - 1;
        for (var slot = 0; slot < Count; slot++)
        {
            var index = _records[slot].Hash & mask;
            while (buckets[index] != 0) index = (index + 1) & mask;
            buckets[index] = slot + 1;
        }
        _buckets = buckets;
    }

    private ReadOnlySpan<byte> KeyOf(ref Record record) =>
        record.KeyLength <= InlineKeyBytes
            ? ((ReadOnlySpan<byte>)record.Key)[..record.KeyLength]
            : _longKeys.AsSpan(MemoryMarshal.Read<int>(record.Key), record.KeyLength);

    /// <summary>
    /// A non-negative hash of the bytes. HashCode is seeded per process, which keeps crafted ids from piling into one
    /// probe run; nothing stored depends on it (slots are numbered by arrival and serialisation sorts by id).
    /// </summary>
    public static int Hash(ReadOnlySpan<byte> key)
    {
        var hash = new HashCode();
        hash.AddBytes(key);
        return hash.ToHashCode() & int.MaxValue;
    }

    [InlineArray(InlineKeyBytes)]
    private struct KeyBytes
    {
        private byte _first;
    }

    private struct Record
    {
        public int Hash;
        public ushort KeyLength;
        public byte Variant;
        public KeyBytes Key;
        public UserVariantState State;
    }
}
