namespace Serverless.Forecasting.Features;

/// <summary>
/// Codes for the categorical features (item, category, region), fixed at training time and saved
/// with the model; an id the model never saw codes as missing.
/// </summary>
public sealed record FeatureVocabulary(IReadOnlyList<string> Items, IReadOnlyList<string> Categories, IReadOnlyList<string> Regions)
{
    public float ItemCode(string item) => Code(Items, item);

    public float CategoryCode(string? category) => category is null ? float.NaN : Code(Categories, category);

    public float RegionCode(string? region) => region is null ? float.NaN : Code(Regions, region);

    public static FeatureVocabulary From(IEnumerable<Aggregation.StoreHistory> histories)
    {
        var list = histories.ToList();
        return new FeatureVocabulary(
            list.SelectMany(h => h.Items).Distinct().Order(StringComparer.Ordinal).ToList(),
            list.SelectMany(h => h.Categories).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList(),
            list.Select(h => h.Region).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList());
    }

    private static float Code(IReadOnlyList<string> values, string value)
    {
        // Sorted lists: binary search keeps lookups cheap for 100+ items.
        int lo = 0, hi = values.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >> 1;
            var c = string.CompareOrdinal(values[mid], value);
            if (c == 0) return mid;
            if (c < 0) lo = mid + 1; else hi = mid - 1;
        }
        return float.NaN;
    }
}
