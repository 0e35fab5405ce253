namespace Serverless.Recommendations.Publishing;

/// <summary>The "report" figures of a publication: how many lists, how long, and how many items each rule placed.</summary>
public sealed record PublicationSummary(
    string Service,
    string Version,
    int UserLists,
    int ItemLists,
    double MeanLength,
    int ShortLists,
    IReadOnlyDictionary<string, int> ItemsByReason)
{
    /// <param name="minListLength">Lists shorter than this count as short.</param>
    public static PublicationSummary Of(string service, string version, IEnumerable<PublishedList> lists, int minListLength)
    {
        int users = 0, items = 0, shortLists = 0;
        long totalLength = 0;
        var reasons = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var list in lists)
        {
            if (list.Kind == ListKind.UserItems) users++;
            else items++;
            totalLength += list.Items.Count;
            if (list.Items.Count < minListLength) shortLists++;
            foreach (var item in list.Items)
            {
                var reason = item.Reason is null ? "model" : item.Reason.StartsWith("pinned", StringComparison.Ordinal) ? "pinned" : item.Reason;
                reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
            }
        }
        var count = users + items;
        return new PublicationSummary(service, version, users, items, count == 0 ? 0 : totalLength / (double)count, shortLists, reasons);
    }
}
