using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Serverless.Forecasting.Aggregation;

/// <summary>
/// A compact, versioned binary form of <see cref="StoreHistory"/> (raw little-endian arrays), so the
/// orchestration can store it and pass a reference between steps. The same history always gives
/// the same bytes, so its SHA-256 is the data hash recorded in manifests.
/// </summary>
public static class StoreHistorySerializer
{
    private const uint Magic = 0x48534653; // "SFSH"
    private const int Version = 1;

    public static void Write(StoreHistory history, Stream stream)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(Version);
        writer.Write(history.StoreId);
        writer.Write(history.Region ?? "");
        writer.Write(history.Size);
        writer.Write(history.Start.DayNumber);
        writer.Write(history.RunDate.DayNumber);
        writer.Write(history.FutureDays);
        writer.Write(history.RawItems.Length);
        for (var i = 0; i < history.RawItems.Length; i++)
        {
            writer.Write(history.RawItems[i]);
            writer.Write(history.RawCategories[i] ?? "");
            writer.Write(history.RawFirstDay[i]);
        }
        WriteArray(writer, history.RawSales);
        WriteArray(writer, history.RawPrices);
        WriteArray(writer, history.RawTemperature);
        WriteArray(writer, history.RawStockOut);
    }

    public static byte[] ToBytes(StoreHistory history)
    {
        using var stream = new MemoryStream();
        Write(history, stream);
        return stream.ToArray();
    }

    public static StoreHistory Read(Stream stream)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        if (reader.ReadUInt32() != Magic) throw new InvalidDataException("not a store history (bad magic number)");
        var version = reader.ReadInt32();
        if (version != Version) throw new InvalidDataException($"store history version {version} is not supported (expected {Version})");
        var storeId = reader.ReadString();
        var region = reader.ReadString();
        var size = reader.ReadSingle();
        var start = DateOnly.FromDayNumber(reader.ReadInt32());
        var runDate = DateOnly.FromDayNumber(reader.ReadInt32());
        var futureDays = reader.ReadInt32();
        var count = reader.ReadInt32();
        var items = new string[count];
        var categories = new string?[count];
        var firstDay = new int[count];
        for (var i = 0; i < count; i++)
        {
            items[i] = reader.ReadString();
            var category = reader.ReadString();
            categories[i] = category.Length == 0 ? null : category;
            firstDay[i] = reader.ReadInt32();
        }
        var sales = ReadArray<float>(reader);
        var prices = ReadArray<float>(reader);
        var temperature = ReadArray<float>(reader);
        var stockOut = ReadArray<ulong>(reader);
        return new StoreHistory(storeId, region.Length == 0 ? null : region, size, start, runDate, futureDays,
            items, categories, firstDay, sales, prices, temperature, stockOut);
    }

    public static StoreHistory FromBytes(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return Read(stream);
    }

    /// <summary>SHA-256 of the serialized history, lower-case hex.</summary>
    public static string ContentHash(StoreHistory history) => Convert.ToHexStringLower(SHA256.HashData(ToBytes(history)));

    /// <summary>One hash over several histories, in store order.</summary>
    public static string ContentHash(IEnumerable<StoreHistory> histories)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var history in histories.OrderBy(h => h.StoreId, StringComparer.Ordinal))
        {
            hash.AppendData(ToBytes(history));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void WriteArray<T>(BinaryWriter writer, T[] values) where T : unmanaged
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian machines are not supported");
        writer.Write(values.Length);
        writer.Write(MemoryMarshal.AsBytes(values.AsSpan()));
    }

    private static T[] ReadArray<T>(BinaryReader reader) where T : unmanaged
    {
        var length = reader.ReadInt32();
        if (length < 0) throw new InvalidDataException("negative array length");
        var values = new T[length];
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        reader.BaseStream.ReadExactly(bytes);
        return values;
    }
}
