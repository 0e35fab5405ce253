using System.Text.Json.Serialization;

namespace Serverless.Experiments.Serialization;

// The stored form of an experiment aggregate. Canonical by construction: variants in definition order, users
// and batch identities sorted ordinally, so equal states serialise to equal bytes.

internal sealed class AggregateDocument
{
    public int SchemaVersion { get; set; }
    public string ExperimentId { get; set; } = "";
    public int Shard { get; set; }
    public int ShardCount { get; set; } = 1;
    public List<string> VariantIds { get; set; } = [];
    public LedgerDocument AppliedBatches { get; set; } = new();
    /// <summary>The dedupe state's reach and counters; its entries live in segments the host stores beside the aggregate.</summary>
    public DedupeDocument Dedupe { get; set; } = new();
    public long ValuesDroppedBeforeExposure { get; set; }
    public List<VariantStateDocument> Variants { get; set; } = [];
}

internal sealed class DedupeDocument
{
    public uint HorizonSecond { get; set; }
    public uint WatermarkSecond { get; set; }
    public long DuplicatesSkipped { get; set; }
    public long Conflicts { get; set; }
    public long BeyondHorizon { get; set; }
    public long Forgotten { get; set; }
}

internal sealed class LedgerDocument
{
    public List<string> ContentHashes { get; set; } = [];
    public List<PartitionDocument> Partitions { get; set; } = [];
}

internal sealed class PartitionDocument
{
    public string Partition { get; set; } = "";

    /// <summary>Inclusive [first, last] pairs, ascending and disjoint.</summary>
    public List<long[]> Ranges { get; set; } = [];
}

internal sealed class VariantStateDocument
{
    public string VariantId { get; set; } = "";
    public long ExposureEvents { get; set; }
    public long ClickEvents { get; set; }
    public long ConversionEvents { get; set; }
    public long ValueEvents { get; set; }
    public DateTimeOffset? FirstEvent { get; set; }
    public DateTimeOffset? LastEvent { get; set; }
    public List<UserStateDocument> Users { get; set; } = [];
}

/// <summary>One user in one variant; short names because there is one per user.</summary>
internal sealed class UserStateDocument
{
    [JsonPropertyName("u")]
    public string User { get; set; } = "";

    /// <summary>Bit flags: 1 exposed, 2 clicked, 4 converted, 8 has a value, 16 has values waiting for an exposure.</summary>
    [JsonPropertyName("f")]
    public int Flags { get; set; }

    /// <summary>Sum of values in millionths.</summary>
    [JsonPropertyName("v")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long ValueMicros { get; set; }

    /// <summary>UTC ticks of the first exposure (set when exposed).</summary>
    [JsonPropertyName("x")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long FirstExposureTicks { get; set; }

    /// <summary>UTC ticks of the latest conversion (set when converted).</summary>
    [JsonPropertyName("c")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long LastConversionTicks { get; set; }

    /// <summary>Values before the first exposure, as [ticks, millionths] pairs sorted by ticks.</summary>
    [JsonPropertyName("p")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<long[]>? PendingValues { get; set; }
}
