using System.Text;
using Serverless.Recommendations.Data;

namespace Serverless.Recommendations.Factorization;

/// <summary>
/// A trained implicit-ALS model: the factors, the id maps that name their rows, the interactions it
/// was trained on (what each user already has, and item popularity), and what made it.
/// Serializes to a stream so training can run in another process.
/// </summary>
public sealed class AlsModel
{
    private const string Magic = "SERVERLESS-ALS";
    private const int FormatVersion = 1;
    private int[]? _itemPopularity;

    public AlsModel(AlsOptions options, string dataHash, IdMap users, IdMap items, AlsFactors factors, CsrMatrix interactions)
    {
        if (factors.Users != users.Count || factors.Items != items.Count)
        {
            throw new ArgumentException($"Factors are {factors.Users} users x {factors.Items} items; the id maps have {users.Count} x {items.Count}.");
        }
        if (interactions.Rows != users.Count || interactions.Columns != items.Count)
        {
            throw new ArgumentException($"Interactions are {interactions.Rows} x {interactions.Columns}; the id maps have {users.Count} x {items.Count}.");
        }
        Options = options;
        DataHash = dataHash;
        Users = users;
        Items = items;
        Factors = factors;
        Interactions = interactions;
    }

    public AlsOptions Options { get; }
    public string DataHash { get; }
    public IdMap Users { get; }
    public IdMap Items { get; }
    public AlsFactors Factors { get; }

    /// <summary>User-by-item weights the model was trained on.</summary>
    public CsrMatrix Interactions { get; }

    public int FactorCount => Factors.Factors;

    /// <summary>Identifies the model: derived from the parameters and the data hash.</summary>
    public string Version => ModelVersion.For(Options, DataHash);

    public ReadOnlySpan<float> UserVector(int user) => Factors.UserFactors.AsSpan(user * FactorCount, FactorCount);

    public ReadOnlySpan<float> ItemVector(int item) => Factors.ItemFactors.AsSpan(item * FactorCount, FactorCount);

    /// <summary>How many users have each item (the popularity baseline and fallback).</summary>
    public IReadOnlyList<int> ItemPopularity => _itemPopularity ??= Interactions.ColumnCounts();

    public void WriteTo(Stream stream)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(FormatVersion);
        writer.Write(Options.Factors);
        writer.Write(Options.Iterations);
        writer.Write(Options.Regularization);
        writer.Write(Options.Alpha);
        writer.Write(Options.CgSteps);
        writer.Write(Options.Seed);
        writer.Write(Options.InitialScale);
        writer.Write(DataHash);
        Users.WriteTo(writer);
        Items.WriteTo(writer);
        WriteFloats(writer, Factors.UserFactors);
        WriteFloats(writer, Factors.ItemFactors);
        Interactions.WriteTo(writer);
    }

    public static AlsModel ReadFrom(Stream stream)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        string magic;
        try { magic = reader.ReadString(); }
        catch (EndOfStreamException) { throw new InvalidDataException("The stream is empty; expected an ALS model."); }
        if (magic != Magic) throw new InvalidDataException($"Not an ALS model stream (header '{magic}').");
        var version = reader.ReadInt32();
        if (version != FormatVersion) throw new InvalidDataException($"ALS model format {version} is not supported (expected {FormatVersion}).");
        var options = new AlsOptions
        {
            Factors = reader.ReadInt32(),
            Iterations = reader.ReadInt32(),
            Regularization = reader.ReadSingle(),
            Alpha = reader.ReadSingle(),
            CgSteps = reader.ReadInt32(),
            Seed = reader.ReadUInt64(),
            InitialScale = reader.ReadSingle(),
        };
        options.Validate();
        var dataHash = reader.ReadString();
        var users = IdMap.ReadFrom(reader);
        var items = IdMap.ReadFrom(reader);
        var userFactors = ReadFloats(reader, users.Count * options.Factors);
        var itemFactors = ReadFloats(reader, items.Count * options.Factors);
        var interactions = CsrMatrix.ReadFrom(reader);
        return new AlsModel(options, dataHash, users, items, new AlsFactors(options.Factors, userFactors, itemFactors), interactions);
    }

    private static void WriteFloats(BinaryWriter writer, float[] values)
    {
        writer.Write(values.Length);
        writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
    }

    private static float[] ReadFloats(BinaryReader reader, int expected)
    {
        var length = reader.ReadInt32();
        if (length != expected) throw new InvalidDataException($"Expected {expected} factor values, found {length}.");
        var values = new float[length];
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan());
        reader.BaseStream.ReadExactly(bytes);
        return values;
    }
}
