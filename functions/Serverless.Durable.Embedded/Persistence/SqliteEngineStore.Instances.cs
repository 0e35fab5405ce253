using Microsoft.Data.Sqlite;
using Serverless.Durable.Embedded.History;

namespace Serverless.Durable.Embedded.Persistence;

// Client operations: create, signal, read, query and purge instances.
internal sealed partial class SqliteEngineStore
{
    private const string InstanceColumns =
        "id, name, execution_id, status, input, output, custom_status, failure, created_at, updated_at, " +
        "scheduled_start, history_count, parent_id, parent_name, parent_execution_id, parent_task_id";

    /// <summary>Creates a pending instance and its start message; fails when the id is taken.</summary>
    public Task CreateInstanceAsync(string instanceId, string name, string? version, string? input, DateTime now, DateTime? startAt,
        CancellationToken cancellationToken) =>
        WriteAsync("create an instance", transaction =>
        {
            var existing = ReadInstance(_writer, transaction, instanceId);
            if (existing is not null) throw new InstanceAlreadyExistsException(instanceId, existing.Status.ToRuntimeStatus());

            var executionId = Guid.NewGuid().ToString("N");
            InsertInstance(transaction, instanceId, name, executionId, input, now, startAt, parent: null);
            InsertMessage(transaction, instanceId, MessageKind.ExecutionStarted, startAt ?? now, new DurableEvent
            {
                Type = EventType.ExecutionStarted,
                Timestamp = now,
                Name = name,
                Version = version,
                Data = input,
                ExecutionId = executionId,
            });
            return true;
        }, cancellationToken);

    /// <summary>
    /// Adds a message to a live instance's inbox. <paramref name="allowed"/> decides, in the same
    /// transaction, whether the instance's status permits it.
    /// </summary>
    public Task<InstanceRow> SignalAsync(string instanceId, MessageKind kind, DurableEvent message, DateTime now,
        Func<InstanceStatus, bool> allowed, string operation, CancellationToken cancellationToken) =>
        WriteAsync(operation, transaction =>
        {
            var instance = ReadInstance(_writer, transaction, instanceId) ?? throw new InstanceNotFoundException(instanceId);
            if (!allowed(instance.Status)) throw new InstanceStateException(instanceId, instance.Status.ToRuntimeStatus(), operation);
            InsertMessage(transaction, instanceId, kind, now, message);
            return instance;
        }, cancellationToken);

    public InstanceRow? GetInstance(string instanceId, bool decodePayloads) => Read("read an instance", connection =>
    {
        var row = ReadInstance(connection, null, instanceId);
        return row is null || !decodePayloads ? row : DecodeRow(connection, row);
    });

    public (List<InstanceRow> Rows, int Total) Query(InstanceQuery query)
    {
        return Read("query instances", connection =>
        {
            using var command = connection.CreateCommand();
            var where = new List<string>();
            if (query.Statuses is { Count: > 0 } statuses)
            {
                where.Add($"status IN ({string.Join(",", statuses.Select(s => (int)s))})");
            }
            if (!string.IsNullOrEmpty(query.Name))
            {
                where.Add("name = $name COLLATE NOCASE");
                command.Parameters.AddWithValue("$name", query.Name);
            }
            if (query.CreatedFrom is { } from)
            {
                where.Add("created_at >= $from");
                command.Parameters.AddWithValue("$from", Ticks(from));
            }
            if (query.CreatedTo is { } to)
            {
                where.Add("created_at <= $to");
                command.Parameters.AddWithValue("$to", Ticks(to));
            }
            if (!string.IsNullOrEmpty(query.InstanceIdPrefix))
            {
                where.Add("substr(id, 1, length($prefix)) = $prefix");
                command.Parameters.AddWithValue("$prefix", query.InstanceIdPrefix);
            }
            var offset = int.TryParse(query.ContinuationToken, out var skip) && skip > 0 ? skip : 0;
            command.CommandText = $"SELECT {InstanceColumns} FROM instances" +
                (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") +
                " ORDER BY created_at DESC, id LIMIT $limit OFFSET $offset";
            command.Parameters.AddWithValue("$limit", Math.Clamp(query.PageSize, 1, 1000) + 1);
            command.Parameters.AddWithValue("$offset", offset);

            var rows = new List<InstanceRow>();
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read()) rows.Add(ReadInstanceRow(reader));
            }
            if (query.FetchInputsAndOutputs) rows = rows.Select(r => DecodeRow(connection, r)).ToList();
            return (rows, offset);
        });
    }

    public List<DurableEvent> GetHistory(string instanceId, bool decodePayloads) => Read("read history", connection =>
        LoadHistory(connection, null, instanceId, decodePayloads));

    /// <summary>Deletes a finished instance with everything it owns. Returns false when it does not exist.</summary>
    public Task<bool> PurgeAsync(string instanceId, CancellationToken cancellationToken) =>
        WriteAsync("purge an instance", transaction =>
        {
            var instance = ReadInstance(_writer, transaction, instanceId);
            if (instance is null) return false;
            if (!instance.Status.IsTerminal()) throw new InstanceStateException(instanceId, instance.Status.ToRuntimeStatus(), "purge");
            DeleteInstanceData(transaction, instanceId, includeInstanceRow: true);
            return true;
        }, cancellationToken);

    /// <summary>
    /// What is still to happen: messages any instance can act on now, activity work items, and the next
    /// timer or delayed start. Counted over the whole database, because an instance's sub-orchestrations
    /// and other processes' work count as "busy" too.
    /// </summary>
    public (int ReadyMessages, int Activities, DateTime? NextTimer) GetPendingWork(DateTime now) =>
        Read("read pending work", connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT (SELECT COUNT(*) FROM inbox WHERE visible_at <= $now),
                       (SELECT COUNT(*) FROM activities),
                       (SELECT MIN(visible_at) FROM inbox WHERE visible_at > $now)
                """;
            command.Parameters.AddWithValue("$now", Ticks(now));
            using var reader = command.ExecuteReader();
            reader.Read();
            return (reader.GetInt32(0), reader.GetInt32(1), reader.IsDBNull(2) ? (DateTime?)null : FromTicks(reader.GetInt64(2)));
        });

    // ---- Row helpers shared with dispatch ----

    private void InsertInstance(SqliteTransaction transaction, string instanceId, string name, string executionId,
        string? input, DateTime now, DateTime? startAt, ParentReference? parent)
    {
        var command = WriterCommand("""
            INSERT INTO instances (id, name, execution_id, status, input, created_at, updated_at, scheduled_start,
                                   history_count, parent_id, parent_name, parent_execution_id, parent_task_id)
            VALUES ($id, $name, $execution, $status, $input, $now, $now, $start, 0, $parent, $parentName, $parentExecution, $parentTask)
            """, transaction, "$id", "$name", "$execution", "$status", "$input", "$now", "$start", "$parent", "$parentName",
            "$parentExecution", "$parentTask");
        command.Parameters["$id"].Value = instanceId;
        command.Parameters["$name"].Value = name;
        command.Parameters["$execution"].Value = executionId;
        command.Parameters["$status"].Value = (int)InstanceStatus.Pending;
        command.Parameters["$input"].Value = DbValue(Payloads.Encode(_writer, transaction, instanceId, input));
        command.Parameters["$now"].Value = Ticks(now);
        command.Parameters["$start"].Value = startAt is { } s ? Ticks(s) : DBNull.Value;
        command.Parameters["$parent"].Value = DbValue(parent?.InstanceId);
        command.Parameters["$parentName"].Value = DbValue(parent?.Name);
        command.Parameters["$parentExecution"].Value = DbValue(parent?.ExecutionId);
        command.Parameters["$parentTask"].Value = parent is null ? DBNull.Value : parent.TaskId;
        command.ExecuteNonQuery();
    }

    private void InsertMessage(SqliteTransaction transaction, string instanceId, MessageKind kind, DateTime visibleAt, DurableEvent message)
    {
        message.Data = Payloads.Encode(_writer, transaction, instanceId, message.Data);
        var command = WriterCommand(
            "INSERT INTO inbox (instance_id, kind, visible_at, data) VALUES ($instance, $kind, $visible, $data)",
            transaction, "$instance", "$kind", "$visible", "$data");
        command.Parameters["$instance"].Value = instanceId;
        command.Parameters["$kind"].Value = (int)kind;
        command.Parameters["$visible"].Value = Ticks(visibleAt);
        command.Parameters["$data"].Value = SerializeEvent(message);
        command.ExecuteNonQuery();
    }

    private void DeleteInstanceData(SqliteTransaction transaction, string instanceId, bool includeInstanceRow)
    {
        foreach (var sql in new[]
                 {
                     "DELETE FROM history WHERE instance_id = $id",
                     "DELETE FROM inbox WHERE instance_id = $id",
                     "DELETE FROM activities WHERE instance_id = $id",
                     "DELETE FROM payloads WHERE instance_id = $id",
                 })
        {
            var command = WriterCommand(sql, transaction, "$id");
            command.Parameters["$id"].Value = instanceId;
            command.ExecuteNonQuery();
        }
        if (includeInstanceRow)
        {
            var command = WriterCommand("DELETE FROM instances WHERE id = $id", transaction, "$id");
            command.Parameters["$id"].Value = instanceId;
            command.ExecuteNonQuery();
        }
    }

    private static InstanceRow? ReadInstance(SqliteConnection connection, SqliteTransaction? transaction, string instanceId)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT {InstanceColumns} FROM instances WHERE id = $id";
        command.Parameters.AddWithValue("$id", instanceId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadInstanceRow(reader) : null;
    }

    private static InstanceRow ReadInstanceRow(SqliteDataReader reader)
    {
        string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        var parentId = Text(12);
        return new InstanceRow(
            Id: reader.GetString(0),
            Name: reader.GetString(1),
            ExecutionId: reader.GetString(2),
            Status: (InstanceStatus)reader.GetInt32(3),
            Input: Text(4),
            Output: Text(5),
            CustomStatus: Text(6),
            Failure: DeserializeFailure(Text(7)),
            CreatedAt: FromTicks(reader.GetInt64(8)),
            UpdatedAt: FromTicks(reader.GetInt64(9)),
            ScheduledStart: reader.IsDBNull(10) ? null : FromTicks(reader.GetInt64(10)),
            HistoryCount: reader.GetInt64(11),
            Parent: parentId is null ? null : new ParentReference(parentId, Text(13) ?? "", Text(14) ?? "", reader.GetInt32(15)));
    }

    private InstanceRow DecodeRow(SqliteConnection connection, InstanceRow row) => row with
    {
        Input = Payloads.Decode(connection, null, row.Id, row.Input),
        Output = Payloads.Decode(connection, null, row.Id, row.Output),
        CustomStatus = Payloads.Decode(connection, null, row.Id, row.CustomStatus),
    };

    private List<DurableEvent> LoadHistory(SqliteConnection connection, SqliteTransaction? transaction, string instanceId, bool decode)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT data FROM history WHERE instance_id = $id ORDER BY seq";
        command.Parameters.AddWithValue("$id", instanceId);
        var events = new List<DurableEvent>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var e = DeserializeEvent(reader.GetString(0));
            if (decode) e.Data = Payloads.Decode(connection, transaction, instanceId, e.Data);
            events.Add(e);
        }
        return events;
    }
}
