using System.Text.Json.Serialization;

namespace Serverless.Recommendations.Data;

/// <summary>
/// How an interaction's summed weight becomes the evidence a model trains on (for ALS, confidence is
/// <c>1 + alpha * f(weight)</c>; EASE uses <c>f(weight)</c> as the matrix entry).
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<ConfidenceWeighting>))]
public enum ConfidenceWeighting
{
    /// <summary>The summed weight as it is (views 1, applications 5, repeats add up).</summary>
    [JsonStringEnumMemberName("raw")]
    Raw,

    /// <summary><c>ln(1 + weight)</c>: repeats and strong events count, with diminishing returns.</summary>
    [JsonStringEnumMemberName("log")]
    Log,

    /// <summary>
    /// BM25 with users as documents and items as terms: saturates a user's weights against the length of
    /// the user's history and scales each item by its inverse document frequency, so ubiquitous items weigh less.
    /// </summary>
    [JsonStringEnumMemberName("bm25")]
    Bm25,

    /// <summary>1 for every observed pair, whatever its weight.</summary>
    [JsonStringEnumMemberName("binary")]
    Binary,
}

/// <summary>Applies a <see cref="ConfidenceWeighting"/> to a user-by-item weight matrix (same pattern, new values).</summary>
public static class InteractionWeighting
{
    /// <summary>BM25 term-frequency saturation: large, so the weight saturates only for heavy repeaters.</summary>
    public const float Bm25K1 = 100f;

    /// <summary>BM25 length normalisation: 0 ignores the user's history length, 1 normalises fully.</summary>
    public const float Bm25B = 0.8f;

    /// <summary>The smallest inverse document frequency, so an item every user has keeps a little weight.</summary>
    private const double MinimumIdf = 0.01;

    public static CsrMatrix Apply(CsrMatrix userItems, ConfidenceWeighting weighting)
    {
        ArgumentNullException.ThrowIfNull(userItems);
        return weighting switch
        {
            ConfidenceWeighting.Raw => userItems,
            ConfidenceWeighting.Log => userItems.WithValues(w => MathF.Log(1 + w)),
            ConfidenceWeighting.Binary => userItems.WithValues(_ => 1f),
            ConfidenceWeighting.Bm25 => Bm25(userItems),
            _ => throw new ArgumentOutOfRangeException(nameof(weighting), weighting, "Unknown confidence weighting."),
        };
    }

    private static CsrMatrix Bm25(CsrMatrix userItems)
    {
        var users = userItems.Rows;
        var documentFrequency = userItems.ColumnCounts();
        var idf = new double[userItems.Columns];
        for (var i = 0; i < idf.Length; i++) idf[i] = Math.Max(MinimumIdf, Math.Log(users / (1.0 + documentFrequency[i])));
        var averageLength = users == 0 ? 1 : userItems.NonZeros / (double)users;

        var values = new float[userItems.NonZeros];
        for (var user = 0; user < users; user++)
        {
            var saturation = Bm25K1 * (1 - Bm25B + Bm25B * userItems.RowLength(user) / averageLength);
            for (var p = userItems.RowPointers[user]; p < userItems.RowPointers[user + 1]; p++)
            {
                var w = userItems.Values[p];
                values[p] = (float)(w * (Bm25K1 + 1) / (saturation + w) * idf[userItems.ColumnIndices[p]]);
            }
        }
        return new CsrMatrix(userItems.Rows, userItems.Columns, userItems.RowPointers, userItems.ColumnIndices, values);
    }
}
