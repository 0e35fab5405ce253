using System.Collections.Concurrent;
using System.Numerics.Tensors;
using System.Text;
using Serverless.Recommendations.Data;
using Serverless.Recommendations.Models;
using Serverless.Recommendations.Scoring;

namespace Serverless.Recommendations.ItemItem;

/// <summary>
/// A trained EASE model: the item-item weight matrix B (items x items) over the interactions it was trained
/// on. A user's score for item j is sum_i x_ui B_ij over the user's weighted history; the items like item i are
/// the largest entries of row i (what having i adds to each other item).
/// </summary>
public sealed class EaseModel : RecommendationModel
{
    internal const string Magic = "SERVERLESS-EASE";
    private const int FormatVersion = 1;
    private const int UsersPerTask = 16;
    private CsrMatrix? _weighted;

    public EaseModel(EaseOptions options, string dataHash, IdMap users, IdMap items, float[] weights, CsrMatrix interactions)
        : base(dataHash, users, items, interactions)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Length != (long)items.Count * items.Count)
        {
            throw new ArgumentException($"EASE weights hold {weights.Length} values; {items.Count} items need {(long)items.Count * items.Count}.", nameof(weights));
        }
        Options = options;
        Weights = weights;
    }

    public EaseOptions Options { get; }

    /// <summary>B, row-major: <c>Weights[i * items + j]</c> is what having item i adds to item j.</summary>
    public float[] Weights { get; }

    public override ModelRecipe Recipe => ModelRecipe.ForEase(Options);

    /// <summary>Trains on the whole matrix: weight it, solve, keep the raw interactions for exclusion and popularity.</summary>
    public static EaseModel Train(EaseOptions options, string dataHash, IdMap users, IdMap items, CsrMatrix interactions,
        int maxDegreeOfParallelism = -1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var weights = EaseSolver.Solve(InteractionWeighting.Apply(interactions, options.Weighting), options.Regularization, maxDegreeOfParallelism, cancellationToken);
        return new EaseModel(options, dataHash, users, items, weights, interactions);
    }

    internal override DenseRanking[] RankItemsForUsers(IReadOnlyList<int> users, int count, int maxDegreeOfParallelism)
    {
        var weighted = _weighted ??= InteractionWeighting.Apply(Interactions, Options.Weighting);
        var n = Items.Count;
        var results = new DenseRanking[users.Count];
        if (users.Count == 0) return results;
        Parallel.ForEach(Partitioner.Create(0, users.Count, UsersPerTask), new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism },
            () => (Scores: new float[n], Heap: new TopKHeap(count)),
            (range, _, scratch) =>
            {
                for (var u = range.Item1; u < range.Item2; u++)
                {
                    var user = users[u];
                    Array.Clear(scratch.Scores);
                    var items = weighted.RowColumns(user);
                    var values = weighted.RowValues(user);
                    for (var p = 0; p < items.Length; p++)
                    {
                        TensorPrimitives.MultiplyAdd(Weights.AsSpan(items[p] * n, n), values[p], scratch.Scores, scratch.Scores);
                    }
                    results[u] = BlockScorer.Select(scratch.Scores, user, Interactions, excludeSelf: false, scratch.Heap);
                }
                return scratch;
            },
            _ => { });
        return results;
    }

    internal override DenseRanking[] RankSimilarItems(IReadOnlyList<int> items, int count, int maxDegreeOfParallelism)
    {
        var n = Items.Count;
        var results = new DenseRanking[items.Count];
        if (items.Count == 0) return results;
        Parallel.ForEach(Partitioner.Create(0, items.Count, UsersPerTask), new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism },
            () => new TopKHeap(count),
            (range, _, heap) =>
            {
                for (var i = range.Item1; i < range.Item2; i++)
                {
                    results[i] = BlockScorer.Select(Weights.AsSpan(items[i] * n, n), items[i], exclude: null, excludeSelf: true, heap);
                }
                return heap;
            },
            _ => { });
        return results;
    }

    public override void WriteTo(Stream stream)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(FormatVersion);
        writer.Write(Options.Regularization);
        writer.Write((int)Options.Weighting);
        writer.Write(DataHash);
        Users.WriteTo(writer);
        Items.WriteTo(writer);
        writer.Write(Weights.Length);
        writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Weights.AsSpan()));
        Interactions.WriteTo(writer);
    }

    public static new EaseModel ReadFrom(Stream stream)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        string magic;
        try { magic = reader.ReadString(); }
        catch (EndOfStreamException) { throw new InvalidDataException("The stream is empty; expected an EASE model."); }
        if (magic != Magic) throw new InvalidDataException($"Not an EASE model stream (header '{magic}').");
        var version = reader.ReadInt32();
        if (version != FormatVersion) throw new InvalidDataException($"EASE model format {version} is not supported (expected {FormatVersion}).");
        var options = new EaseOptions { Regularization = reader.ReadSingle(), Weighting = (ConfidenceWeighting)reader.ReadInt32() };
        try { options.Validate(); }
        catch (ArgumentOutOfRangeException e) { throw new InvalidDataException($"The EASE model's parameters are invalid: {e.Message}", e); }
        var dataHash = reader.ReadString();
        var users = IdMap.ReadFrom(reader);
        var items = IdMap.ReadFrom(reader);
        var length = reader.ReadInt32();
        if (length != (long)items.Count * items.Count) throw new InvalidDataException($"Expected {items.Count} x {items.Count} EASE weights, found {length}.");
        var weights = new float[length];
        reader.BaseStream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(weights.AsSpan()));
        var interactions = CsrMatrix.ReadFrom(reader);
        return new EaseModel(options, dataHash, users, items, weights, interactions);
    }
}
