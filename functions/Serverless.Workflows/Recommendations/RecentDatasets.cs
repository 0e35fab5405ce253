using Serverless.Recommendations.Data;

namespace Serverless.Workflows.Recommendations;

/// <summary>
/// The last few imported datasets of this process, by content hash. The search's trials, the training and the
/// gate of one refresh read the same interaction file; parsing it costs more than a small trial, and a dataset
/// with a given hash is the same content whatever file it came from, so it is parsed once per process.
/// </summary>
internal static class RecentDatasets
{
    private const int Capacity = 4;
    private static readonly LinkedList<InteractionDataset> Entries = new();
    private static readonly Lock Gate = new();

    public static InteractionDataset? Find(string hash)
    {
        lock (Gate)
        {
            for (var node = Entries.First; node is not null; node = node.Next)
            {
                if (node.Value.Hash != hash) continue;
                Entries.Remove(node);
                Entries.AddFirst(node);
                return node.Value;
            }
            return null;
        }
    }

    public static void Add(InteractionDataset dataset)
    {
        var hash = dataset.Hash;
        lock (Gate)
        {
            if (Entries.Any(d => d.Hash == hash)) return;
            Entries.AddFirst(dataset);
            while (Entries.Count > Capacity) Entries.RemoveLast();
        }
    }
}
