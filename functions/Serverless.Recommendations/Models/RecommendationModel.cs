using System.Text;
using Serverless.Recommendations.Data;
using Serverless.Recommendations.Factorization;
using Serverless.Recommendations.ItemItem;
using Serverless.Recommendations.Scoring;

namespace Serverless.Recommendations.Models;

/// <summary>
/// A trained model of one service, whatever its family: the id maps that name its rows, the interactions it
/// was trained on (what each user already has, and item popularity), what made it, and the two rankings the
/// refresh publishes (items for a user, items like an item). Serializes to a stream so it can be archived and
/// trained in another process.
/// </summary>
public abstract class RecommendationModel
{
    private int[]? _itemPopularity;

    protected RecommendationModel(string dataHash, IdMap users, IdMap items, CsrMatrix interactions)
    {
        ArgumentNullException.ThrowIfNull(interactions);
        if (interactions.Rows != users.Count || interactions.Columns != items.Count)
        {
            throw new ArgumentException($"Interactions are {interactions.Rows} x {interactions.Columns}; the id maps have {users.Count} x {items.Count}.");
        }
        DataHash = dataHash;
        Users = users;
        Items = items;
        Interactions = interactions;
    }

    public string DataHash { get; }
    public IdMap Users { get; }
    public IdMap Items { get; }

    /// <summary>User-by-item weights the model was trained on.</summary>
    public CsrMatrix Interactions { get; }

    /// <summary>The family and parameters that made the model.</summary>
    public abstract ModelRecipe Recipe { get; }

    public ModelFamily Family => Recipe.Family;

    /// <summary>Identifies the model: derived from the recipe and the data hash.</summary>
    public string Version => Recipe.VersionFor(DataHash);

    /// <summary>How many users have each item (the popularity baseline and fallback).</summary>
    public IReadOnlyList<int> ItemPopularity => _itemPopularity ??= Interactions.ColumnCounts();

    /// <summary>The file name the model is stored under (<c>model.als</c>, <c>model.ease</c>).</summary>
    public string FileName => "model." + Recipe.Family.ToString().ToLowerInvariant();

    /// <summary>The top <paramref name="count"/> items each user does not have yet, best first (dense indices).</summary>
    internal abstract DenseRanking[] RankItemsForUsers(IReadOnlyList<int> users, int count, int maxDegreeOfParallelism);

    /// <summary>The <paramref name="count"/> items most like each item (itself excluded), best first (dense indices).</summary>
    internal abstract DenseRanking[] RankSimilarItems(IReadOnlyList<int> items, int count, int maxDegreeOfParallelism);

    public abstract void WriteTo(Stream stream);

    /// <summary>Reads any model <see cref="WriteTo"/> wrote; the stream's header says which family it is.</summary>
    /// <exception cref="InvalidDataException">The stream is empty, truncated or not a model.</exception>
    public static RecommendationModel ReadFrom(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek)
        {
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            stream = copy;
        }
        var start = stream.Position;
        string magic;
        using (var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true))
        {
            if (stream.Length == start) throw new InvalidDataException("The stream is empty; expected a recommendation model.");
            try { magic = reader.ReadString(); }
            catch (Exception e) when (e is EndOfStreamException or FormatException) { throw new InvalidDataException("Not a recommendation model stream (no model header).", e); }
        }
        stream.Position = start;
        try
        {
            return magic switch
            {
                AlsModel.Magic => AlsModel.ReadFrom(stream),
                EaseModel.Magic => EaseModel.ReadFrom(stream),
                _ => throw new InvalidDataException($"Not a recommendation model stream (header '{Printable(magic)}')."),
            };
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The model stream is truncated.", e);
        }
    }

    private static string Printable(string text)
    {
        var shown = new string(text.Take(32).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return text.Length > 32 ? shown + "..." : shown;
    }
}
