using System.Text;
using System.Text.Json;
using Serverless.Experiments.Events;
using Serverless.Experiments.Serialization;

namespace Serverless.Experiments.Aggregation;

public sealed partial class ExperimentAggregate
{
    private const int SchemaVersion = 2;

    /// <summary>
    /// Canonical UTF-8 JSON of the state (users and batch identities sorted, so equal states give equal bytes): for
    /// inspection, tests and data hashes. The dedupe entries are not in it (only their counters and horizon); the host
    /// stores the state with <see cref="ToBinary"/> and the entries as segments.
    /// </summary>
    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(ToDocument(), InternalJsonContext.Default.AggregateDocument);

    public string ToJson() => Encoding.UTF8.GetString(ToUtf8Json());

    public static ExperimentAggregate FromJson(string json, string sourceName = "aggregate", AggregateOptions? options = null) =>
        FromJson(Encoding.UTF8.GetBytes(json), sourceName, options);

    /// <summary>Reads a state written by <see cref="ToUtf8Json"/>; throws <see cref="InvalidDataException"/> naming the field when it is inconsistent.</summary>
    public static ExperimentAggregate FromJson(ReadOnlySpan<byte> utf8Json, string sourceName = "aggregate", AggregateOptions? options = null)
    {
        AggregateDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(utf8Json, InternalJsonContext.Default.AggregateDocument);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{sourceName} line {ex.LineNumber + 1}, field '{ex.Path}': {ex.Message}", ex);
        }
        if (document is null) throw new InvalidDataException($"{sourceName}: the document is null");
        void Check(bool ok, string field, string message)
        {
            if (!ok) throw new InvalidDataException($"{sourceName}, field '{field}': {message}");
        }

        Check(document.SchemaVersion == SchemaVersion, "schemaVersion", $"expected {SchemaVersion}, got {document.SchemaVersion}");
        Check(!string.IsNullOrEmpty(document.ExperimentId), "experimentId", "is required");
        Check(document.ShardCount >= 1 && document.Shard >= 0 && document.Shard < document.ShardCount, "shard", $"shard {document.Shard} of {document.ShardCount}");
        Check(document.VariantIds.Count >= 2, "variantIds", "needs at least 2 variants");
        Check(document.Variants.Count == document.VariantIds.Count, "variants", $"has {document.Variants.Count} entries for {document.VariantIds.Count} variant ids");

        var aggregate = new ExperimentAggregate(document.ExperimentId, document.VariantIds, document.Shard, document.ShardCount, options ?? AggregateOptions.Default);
        foreach (var hash in document.AppliedBatches.ContentHashes) aggregate.AppliedBatches.RecordContentHash(hash);
        foreach (var partition in document.AppliedBatches.Partitions)
        {
            foreach (var range in partition.Ranges)
            {
                Check(range.Length == 2 && range[0] <= range[1], $"appliedBatches.partitions[{partition.Partition}].ranges", "each range is [first, last] with first <= last");
                aggregate.AppliedBatches.RecordRange(partition.Partition, new SequenceRange(range[0], range[1]));
            }
        }
        var d = document.Dedupe;
        aggregate.Dedupe.RestoreMetadata(d.HorizonSecond, d.WatermarkSecond, d.DuplicatesSkipped, d.Conflicts, d.BeyondHorizon, d.Forgotten, []);
        aggregate._droppedPendingValues = document.ValuesDroppedBeforeExposure;

        for (var v = 0; v < document.Variants.Count; v++)
        {
            var variant = document.Variants[v];
            var path = $"variants[{v}]";
            Check(variant.VariantId == document.VariantIds[v], path + ".variantId", $"expected '{document.VariantIds[v]}', got '{variant.VariantId}'");
            var counters = aggregate._counters[v];
            counters.EventsByType[(int)EventType.Exposure] = variant.ExposureEvents;
            counters.EventsByType[(int)EventType.Click] = variant.ClickEvents;
            counters.EventsByType[(int)EventType.Conversion] = variant.ConversionEvents;
            counters.ValueEvents = variant.ValueEvents;
            counters.FirstTicks = variant.FirstEvent?.UtcTicks ?? long.MaxValue;
            counters.LastTicks = variant.LastEvent?.UtcTicks ?? long.MinValue;
            foreach (var user in variant.Users)
            {
                Check(!string.IsNullOrEmpty(user.User), path + ".users", "a user id is empty");
                Check(user.Flags is > 0 and <= (int)UserFlags.All, $"{path}.users['{user.User}'].f", $"invalid flags {user.Flags}");
                var key = Encoding.UTF8.GetBytes(user.User);
                Check(key.Length <= EventBatchParser.MaxIdBytes, $"{path}.users['{user.User}']", $"a user id is longer than {EventBatchParser.MaxIdBytes} bytes");
                var slot = aggregate._users.FindOrAdd(key);
                ref var state = ref aggregate._users.StateOf(slot, v);
                Check(state.Flags == UserFlags.None, $"{path}.users['{user.User}']", "the user appears twice");
                state.Flags = (UserFlags)user.Flags;
                state.ValueMicros = user.ValueMicros;
                state.FirstExposureTicks = user.FirstExposureTicks;
                state.LastConversionTicks = user.LastConversionTicks;
                var hasPending = user.PendingValues is { Count: > 0 };
                Check(hasPending == ((state.Flags & UserFlags.HasPendingValues) != 0), $"{path}.users['{user.User}'].p", "pending values and flag 16 disagree");
                if (hasPending)
                {
                    Check(user.PendingValues!.All(p => p.Length == 2), $"{path}.users['{user.User}'].p", "each pending value is [ticks, millionths]");
                    aggregate._pendingValues[UserStateTable.OverflowKey(slot, v)] = user.PendingValues!.Select(p => new PendingValue(p[0], p[1])).ToList();
                }
            }
        }
        return aggregate;
    }

    private AggregateDocument ToDocument()
    {
        var users = new string[_users.Count];
        var order = new int[_users.Count];
        for (var i = 0; i < order.Length; i++)
        {
            users[i] = _users.UserOf(i);
            order[i] = i;
        }
        Array.Sort(order, (a, b) => string.CompareOrdinal(users[a], users[b]));

        var dedupe = Dedupe;
        var document = new AggregateDocument
        {
            SchemaVersion = SchemaVersion,
            ExperimentId = ExperimentId,
            Shard = Shard,
            ShardCount = ShardCount,
            VariantIds = [.. _variantIds],
            AppliedBatches = new LedgerDocument
            {
                ContentHashes = AppliedBatches.ContentHashes.Order(StringComparer.Ordinal).ToList(),
                Partitions = AppliedBatches.Partitions
                    .Select(p => new PartitionDocument { Partition = p.Key, Ranges = p.Value.Select(r => new[] { r.First, r.Last }).ToList() })
                    .ToList(),
            },
            Dedupe = new DedupeDocument
            {
                HorizonSecond = dedupe.HorizonSecond,
                WatermarkSecond = dedupe.WatermarkSecond,
                DuplicatesSkipped = dedupe.DuplicatesSkipped,
                Conflicts = dedupe.Conflicts,
                BeyondHorizon = dedupe.BeyondHorizon,
                Forgotten = dedupe.Forgotten,
            },
            ValuesDroppedBeforeExposure = _droppedPendingValues,
        };
        for (var v = 0; v < _variantIds.Length; v++)
        {
            var counters = _counters[v];
            var variant = new VariantStateDocument
            {
                VariantId = _variantIds[v],
                ExposureEvents = counters.EventsByType[(int)EventType.Exposure],
                ClickEvents = counters.EventsByType[(int)EventType.Click],
                ConversionEvents = counters.EventsByType[(int)EventType.Conversion],
                ValueEvents = counters.ValueEvents,
                FirstEvent = counters.FirstTicks == long.MaxValue ? null : new DateTimeOffset(counters.FirstTicks, TimeSpan.Zero),
                LastEvent = counters.LastTicks == long.MinValue ? null : new DateTimeOffset(counters.LastTicks, TimeSpan.Zero),
            };
            foreach (var slot in order)
            {
                var state = _users.Get(slot, v);
                if (state.Flags == UserFlags.None) continue;
                variant.Users.Add(new UserStateDocument
                {
                    User = users[slot],
                    Flags = (int)state.Flags,
                    ValueMicros = state.ValueMicros,
                    FirstExposureTicks = (state.Flags & UserFlags.Exposed) != 0 ? state.FirstExposureTicks : 0,
                    LastConversionTicks = (state.Flags & UserFlags.Converted) != 0 ? state.LastConversionTicks : 0,
                    PendingValues = (state.Flags & UserFlags.HasPendingValues) != 0 && _pendingValues.TryGetValue(UserStateTable.OverflowKey(slot, v), out var pending)
                        ? pending.OrderBy(p => p.Ticks).ThenBy(p => p.Micros).Select(p => new[] { p.Ticks, p.Micros }).ToList()
                        : null,
                });
            }
            document.Variants.Add(variant);
        }
        return document;
    }
}
