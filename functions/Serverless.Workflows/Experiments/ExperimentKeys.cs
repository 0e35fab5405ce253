using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Serverless.Storage.Documents;

namespace Serverless.Workflows.Experiments;

/// <summary>Where the experiments area keeps things: blob paths and document keys, derived from ids.</summary>
public static partial class ExperimentKeys
{
    /// <summary>Partition of the definitions; the id is the experiment id.</summary>
    public const string DefinitionsPartition = "experiments";

    public const string AllocationId = "allocation";

    public const string AnalysisId = "analysis";

    /// <summary>Experiment ids become blob path segments and document ids, so they keep to a safe alphabet.</summary>
    public static bool IsValidExperimentId(string? id) => id is not null && ExperimentIdPattern().IsMatch(id);

    public const string ExperimentIdRule = "1 to 100 characters of letters, digits, '.', '_' and '-', starting with a letter or digit and not ending with '.'";

    /// <summary>Partition of one experiment's published state (allocation, analysis).</summary>
    public static string ExperimentPartition(string experimentId) => $"experiments/{experimentId}";

    /// <summary>Partition of one experiment's recorded first assignments; the id is <see cref="UserDocumentId"/>.</summary>
    public static string AssignmentsPartition(string experimentId) => $"experiments/{experimentId}/assignments";

    /// <summary>
    /// A document id for any user id: the id itself (prefixed) when it is a valid document id, otherwise a SHA-256 of it.
    /// The prefixes keep the two forms from ever colliding.
    /// </summary>
    public static string UserDocumentId(string userId)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        var plain = "u-" + userId;
        var valid = plain.Length <= DocumentKey.MaxIdLength && plain.IndexOfAny(['/', '\\', '?', '#']) < 0 && !plain.Any(char.IsControl);
        return valid ? plain : "h-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(userId)));
    }

    /// <summary>The folder of one shard of an experiment: its state, dedupe segments, pending list and status.</summary>
    public static string ShardFolder(string experimentId, int shard) => $"experiments/{experimentId}/shards/{shard}/";

    /// <summary>A shard's aggregate (binary, <c>ExperimentAggregate.ToBinary</c>), written with ETag concurrency: the commit point of each apply round.</summary>
    public static string ShardStatePath(string experimentId, int shard) => ShardFolder(experimentId, shard) + "state.bin";

    /// <summary>A shard's dedupe segments (immutable; listed in the state).</summary>
    public static string DedupeSegmentPath(string experimentId, int shard, string name) => ShardFolder(experimentId, shard) + "dedupe/" + name;

    /// <summary>A shard's pending list: one part per acknowledged batch, deleted once applied.</summary>
    public static string PendingPrefix(string experimentId, int shard) => ShardFolder(experimentId, shard) + "pending/";

    public static string PendingPath(string experimentId, int shard, string identityKey) => PendingPrefix(experimentId, shard) + IdentityToken(identityKey) + ".part";

    /// <summary>What the shard's last apply round published (progress, sizes, lag).</summary>
    public static string ShardStatusPath(string experimentId, int shard) => ShardFolder(experimentId, shard) + "status.json";

    /// <summary>The fixed instance id of a shard's singleton aggregator orchestration.</summary>
    public static string AggregatorInstanceId(string experimentId, int shard) => $"experiment-aggregator-{experimentId}-{shard}";

    /// <summary>A submitted batch, stored once under its identity.</summary>
    public static string BatchPath(string identityKey, string format) =>
        $"experiments/batches/{IdentityToken(identityKey)}{(format == BatchFormats.JsonArray ? ".json" : ".jsonl")}";

    /// <summary>The records of one batch quarantined when it was parsed.</summary>
    public static string QuarantinePath(string identityKey) => $"experiments/quarantine/{IdentityToken(identityKey)}.json";

    /// <summary>The events of one batch a shard refused when applying it (eventId reused with other content, beyond the dedupe horizon).</summary>
    public static string ApplyQuarantinePath(string identityKey, string experimentId, int shard) =>
        $"experiments/quarantine/{IdentityToken(identityKey)}-{experimentId}-{shard}.json";

    /// <summary>A path- and id-safe token for a batch identity: the content hash itself, or a hash of an Event Hubs key.</summary>
    public static string IdentityToken(string identityKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(identityKey);
        const string prefix = "sha256:";
        return identityKey.StartsWith(prefix, StringComparison.Ordinal) && identityKey.Length == prefix.Length + 64
            ? identityKey[prefix.Length..]
            : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identityKey)));
    }

    [GeneratedRegex(@"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9_-])?$", RegexOptions.CultureInvariant)]
    private static partial Regex ExperimentIdPattern();
}
