using System.Text;
using Serverless.Recommendations.Data;
using Serverless.Recommendations.Models;
using Serverless.Recommendations.Scoring;

namespace Serverless.Recommendations.Factorization;

/// <summary>
/// A trained implicit-ALS model: the factors, the id maps that name their rows, the interactions it
/// was trained on (what each user already has, and item popularity), and what made it.
/// Serializes to a stream so training can run in another process.
/// </summary>
public sealed class AlsModel : RecommendationModel
{
    internal const string Magic = "SERVERLESS-ALS";

    /// <summary>Format 2 adds the confidence weighting; format 1 streams (raw weighting) are still read.</summary>
    private const int FormatVersion = 2;

    public AlsModel(AlsOptions options, string dataHash, IdMap users, IdMap items, AlsFactors factors, CsrMatrix interactions)
        : base(dataHash, users, items, interactions)
    {
        if (factors.Users != users.Count || factors.Items != items.Count)
        {
            throw new ArgumentException($"Factors are {factors.Users} users x {factors.Items} items; the id maps have {users.Count} x {items.Count}.");
        }
        Options = options;
        Factors = factors;
    }

    public AlsOptions Options { get; }
    public AlsFactors Factors { get; }

    public int FactorCount => Factors.Factors;

    public override ModelRecipe Recipe => ModelRecipe.ForAls(Options);

    public ReadOnlySpan<float> UserVector(int user) => Factors.UserFactors.AsSpan(user * FactorCount, FactorCount);

    public ReadOnlySpan<float> ItemVector(int item) => Factors.ItemFactors.AsSpan(item * FactorCount, FactorCount);

    internal override DenseRanking[] RankItemsForUsers(IReadOnlyList<int> users, int count, int maxDegreeOfParallelism) =>
        BlockScorer.TopN(Factors.UserFactors, users, Factors.ItemFactors, FactorCount, count, Interactions, excludeSelf: false, maxDegreeOfParallelism);

    /// <summary>Cosine similarity of item factors.</summary>
    internal override DenseRanking[] RankSimilarItems(IReadOnlyList<int> items, int count, int maxDegreeOfParallelism)
    {
        var normalized = ItemNeighbours.Normalize(Factors.ItemFactors, FactorCount);
        return BlockScorer.TopN(normalized, items, normalized, FactorCount, count, exclude: null, excludeSelf: true, maxDegreeOfParallelism);
    }

    public override void WriteTo(Stream stream)
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
        writer.Write((int)Options.Weighting);
        writer.Write(DataHash);
        Users.WriteTo(writer);
        Items.WriteTo(writer);
        WriteFloats(writer, Factors.UserFactors);
        WriteFloats(writer, Factors.ItemFactors);
        Interactions.WriteTo(writer);
    }

    public static new AlsModel ReadFrom(Stream stream)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        string magic;
        try { magic = reader.ReadString(); }
        catch (EndOfStreamException) { throw new InvalidDataException("The stream is empty; expected an ALS model."); }
        if (magic != Magic) throw new InvalidDataException($"Not an ALS model stream (header '{magic}').");
        var version = reader.ReadInt32();
        if (version is not (1 or FormatVersion)) throw new InvalidDataException($"ALS model format {version} is not supported (expected {FormatVersion}).");
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
        if (version >= 2) options = options with { Weighting = (ConfidenceWeighting)reader.ReadInt32() };
        try { options.Validate(); }
        catch (ArgumentOutOfRangeException e) { throw new InvalidDataException($"The ALS model's parameters are invalid: {e.Message}", e); }
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
