using System.Collections;
using System.Text;
using Serverless.Recommendations.Data;

namespace Serverless.Recommendations.Evaluation;

/// <summary>
/// A split stored as one flag per interaction of a dataset, so steps that run apart (the search trials, the
/// gate) use exactly the same split without recomputing it from inputs that might have changed meanwhile.
/// </summary>
public static class SplitMask
{
    private const string Magic = "SERVERLESS-SPLIT";
    private const int FormatVersion = 1;

    public static void Write(Stream stream, InteractionDataset data, DataSplit split)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(split);
        if (split.Train.Count + split.Test.Count != data.Count)
        {
            throw new ArgumentException($"The split holds {split.Train.Count + split.Test.Count} interactions; the data has {data.Count}.", nameof(split));
        }
        // Both parts keep the data's (user, item) order, so a merge of the two sorted lists recovers each flag.
        var flags = new BitArray(data.Count);
        int train = 0, test = 0;
        for (var i = 0; i < data.Count; i++)
        {
            var key = Key(data, i);
            if (test < split.Test.Count && Key(split.Test, test) == key)
            {
                flags[i] = true;
                test++;
            }
            else if (train < split.Train.Count && Key(split.Train, train) == key) train++;
            else throw new ArgumentException($"Interaction {i} of the data is in neither part of the split.", nameof(split));
        }

        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(FormatVersion);
        writer.Write(data.Hash);
        writer.Write(split.Name);
        writer.Write(data.Count);
        var bytes = new byte[(data.Count + 7) / 8];
        flags.CopyTo(bytes, 0);
        writer.Write(bytes);
    }

    /// <param name="source">Named in errors.</param>
    public static DataSplit Read(Stream stream, InteractionDataset data, string source)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (reader.ReadString() != Magic) throw new InvalidDataException($"{source}: not a split mask.");
            var version = reader.ReadInt32();
            if (version != FormatVersion) throw new InvalidDataException($"{source}: split mask format {version} is not supported.");
            var hash = reader.ReadString();
            if (hash != data.Hash) throw new InvalidDataException($"{source}: the split was made for data {hash}, not {data.Hash}.");
            var name = reader.ReadString();
            var count = reader.ReadInt32();
            if (count != data.Count) throw new InvalidDataException($"{source}: the split has {count} flags; the data has {data.Count} interactions.");
            var flags = new BitArray(reader.ReadBytes((count + 7) / 8)) { Length = count };
            var isTest = new bool[count];
            flags.CopyTo(isTest, 0);
            return DataSplitter.FromMask(data, name, isTest);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{source}: the split mask is truncated.", e);
        }
    }

    private static long Key(InteractionDataset data, int i) => ((long)data.UserIndex[i] << 32) | (uint)data.ItemIndex[i];
}
