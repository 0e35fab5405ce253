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

    /// <summary>The aggregate of one experiment, written with ETag concurrency.</summary>
    public static string AggregatePath(string experimentId) => $"experiments/{experimentId}/aggregate.json";

    /// <summary>A submitted batch, stored once under its identity.</summary>
    public static string BatchPath(string identityKey, string format) =>
        $"experiments/batches/{IdentityToken(identityKey)}{(format == BatchFormats.JsonArray ? ".json" : ".jsonl")}";

    /// <summary>The quarantined records of one batch.</summary>
    public static string QuarantinePath(string identityKey) => $"experiments/quarantine/{IdentityToken(identityKey)}.json";

    /// <summary>The orchestration instance id of a batch: the same batch submitted twice finds its first instance.</summary>
    public static string InstanceId(string identityKey) => "experiment-batch-" + IdentityToken(identityKey)[..32];

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
