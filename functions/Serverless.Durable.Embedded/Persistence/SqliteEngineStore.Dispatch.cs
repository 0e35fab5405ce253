using Microsoft.Data.Sqlite;
using Serverless.Durable.Embedded.History;

namespace Serverless.Durable.Embedded.Persistence;

// Work distribution: claiming instances with ready messages, committing episodes, leasing activities.
internal sealed partial class SqliteEngineStore
{
    /// <summary>
    /// Claims up to <paramref name="maxInstances"/> unlocked instances that have visible messages they can
    /// act on, and loads those messages. A pending instance only starts with its start message; a suspended
    /// one only hears resume and terminate.
    /// </summary>
    public Task<List<OrchestrationWorkItem>> ClaimOrchestrationsAsync(string owner, DateTime now, TimeSpan lockDuration,
        int maxInstances, int maxMessagesPerInstance, CancellationToken cancellationToken) =>
        WriteAsync("claim orchestration work", transaction =>
        {
            var select = WriterCommand($"""
                SELECT m.instance_id FROM inbox m JOIN instances s ON s.id = m.instance_id
                WHERE m.visible_at <= $now
                  AND (s.lock_until IS NULL OR s.lock_until <= $now)
                  AND (s.status NOT IN ({(int)InstanceStatus.Pending}, {(int)InstanceStatus.Suspended})
                       OR m.kind = {(int)MessageKind.Terminate}
                       OR (s.status = {(int)InstanceStatus.Pending} AND m.kind = {(int)MessageKind.ExecutionStarted})
                       OR (s.status = {(int)InstanceStatus.Suspended} AND m.kind = {(int)MessageKind.Resume}))
                GROUP BY m.instance_id
                ORDER BY MIN(m.id)
                LIMIT $limit
                """, transaction, "$now", "$limit");
            select.Parameters["$now"].Value = Ticks(now);
            select.Parameters["$limit"].Value = maxInstances;
            var ids = new List<string>();
            using (var reader = select.ExecuteReader())
            {
                while (reader.Read()) ids.Add(reader.GetString(0));
            }

            var items = new List<OrchestrationWorkItem>(ids.Count);
            foreach (var id in ids)
            {
                var lockCommand = WriterCommand("UPDATE instances SET lock_owner = $owner, lock_until = $until WHERE id = $id",
                    transaction, "$owner", "$until", "$id");
                lockCommand.Parameters["$owner"].Value = owner;
                lockCommand.Parameters["$until"].Value = Ticks(now + lockDuration);
                lockCommand.Parameters["$id"].Value = id;
                lockCommand.ExecuteNonQuery();

                var instance = ReadInstance(_writer, transaction, id)!;
                var messages = WriterCommand(
                    "SELECT id, kind, data FROM inbox WHERE instance_id = $id AND visible_at <= $now ORDER BY id LIMIT $limit",
                    transaction, "$id", "$now", "$limit");
                messages.Parameters["$id"].Value = id;
                messages.Parameters["$now"].Value = Ticks(now);
                messages.Parameters["$limit"].Value = maxMessagesPerInstance;
                var list = new List<InboxMessage>();
                string? poison = null;
                using (var reader = messages.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        var messageId = reader.GetInt64(0);
                        var kind = (MessageKind)reader.GetInt32(1);
                        try
                        {
                            var e = DeserializeEvent(reader.GetString(2));
                            e.Data = Payloads.Decode(_writer, transaction, id, e.Data);
                            list.Add(new InboxMessage(messageId, kind, e));
                        }
                        catch (Exception ex) when (ex is not SqliteException)
                        {
                            // One unreadable message fails its own instance, not the whole claim.
                            poison ??= $"Inbox message {messageId} ({kind}) of instance '{id}' cannot be read: {ex.Message}";
                        }
                    }
                }
                items.Add(new OrchestrationWorkItem(instance, list, poison));
            }
            return items;
        }, cancellationToken);

    /// <summary>Loads an instance's history, payloads resolved, inside the dispatcher's read path.</summary>
    public List<DurableEvent> LoadHistoryForReplay(string instanceId) => Read("load history", connection =>
        LoadHistory(connection, null, instanceId, decode: true));

    /// <summary>
    /// Writes the outcome of a batch of episodes in one transaction and releases their locks. Each episode is
    /// written only if <paramref name="owner"/> still holds the instance's lock and the instance is as claimed;
    /// an episode that cannot be written (a bad payload, an unserializable value) fails its own instance and
    /// the rest of the batch is written. A storage error still rolls back the whole batch.
    /// </summary>
    public Task<CommitOutcome[]> CommitEpisodesAsync(string owner, IReadOnlyList<EpisodeCommit> commits, DateTime now,
        CancellationToken cancellationToken) =>
        WriteAsync("commit orchestration episodes", transaction =>
        {
            var outcomes = new CommitOutcome[commits.Count];
            for (var i = 0; i < commits.Count; i++)
            {
                var commit = commits[i];
                if (commit.Skip || !StillOwned(transaction, owner, commit.Instance))
                {
                    if (commit.Skip) ReleaseLock(transaction, owner, commit.Instance.Id);
                    outcomes[i] = CommitOutcome.NotWritten;
                    continue;
                }
                Savepoint(transaction, "SAVEPOINT episode");
                try
                {
                    CommitEpisode(transaction, owner, commit, now);
                    Savepoint(transaction, "RELEASE episode");
                    outcomes[i] = CommitOutcome.Committed;
                }
                catch (LockLostException)
                {
                    Savepoint(transaction, "ROLLBACK TO episode");
                    Savepoint(transaction, "RELEASE episode");
                    outcomes[i] = CommitOutcome.NotWritten;
                }
                catch (Exception ex) when (IsEpisodeFault(ex))
                {
                    Savepoint(transaction, "ROLLBACK TO episode");
                    commit.FailInstead(new StoredFailure(ex.GetType().FullName!,
                        $"The engine could not write an episode of orchestration '{commit.Instance.Id}' ({commit.Instance.Name}): {ex.Message}",
                        ex.StackTrace), now);
                    try
                    {
                        CommitEpisode(transaction, owner, commit, now);
                        outcomes[i] = CommitOutcome.Failed;
                    }
                    catch (Exception again) when (IsEpisodeFault(again))
                    {
                        // Not even the failure can be written: leave the instance as it was; its lock expires.
                        Savepoint(transaction, "ROLLBACK TO episode");
                        outcomes[i] = CommitOutcome.NotWritten;
                    }
                    Savepoint(transaction, "RELEASE episode");
                }
            }
            return outcomes;
        }, cancellationToken);

    /// <summary>Releases the locks this worker holds on claimed instances whose episodes could not run (for example on shutdown).</summary>
    public Task ReleaseLocksAsync(string owner, IEnumerable<string> instanceIds, CancellationToken cancellationToken) =>
        WriteAsync("release instance locks", transaction =>
        {
            foreach (var id in instanceIds) ReleaseLock(transaction, owner, id);
            return true;
        }, cancellationToken);

    private void ReleaseLock(SqliteTransaction transaction, string owner, string instanceId)
    {
        var command = WriterCommand("UPDATE instances SET lock_owner = NULL, lock_until = NULL WHERE id = $id AND lock_owner = $owner",
            transaction, "$id", "$owner");
        command.Parameters["$id"].Value = instanceId;
        command.Parameters["$owner"].Value = owner;
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// True when the instance is still locked by <paramref name="owner"/> and unchanged since the claim (same
    /// execution, same history length). Runs inside the write transaction, so nothing can change it before the commit.
    /// </summary>
    private bool StillOwned(SqliteTransaction transaction, string owner, InstanceRow claimed)
    {
        var command = WriterCommand("""
            SELECT 1 FROM instances
            WHERE id = $id AND lock_owner = $owner AND execution_id = $execution AND history_count = $count
            """, transaction, "$id", "$owner", "$execution", "$count");
        command.Parameters["$id"].Value = claimed.Id;
        command.Parameters["$owner"].Value = owner;
        command.Parameters["$execution"].Value = claimed.ExecutionId;
        command.Parameters["$count"].Value = claimed.HistoryCount;
        return command.ExecuteScalar() is not null;
    }

    /// <summary>Savepoint statements as prepared commands: one episode's writes can be undone without the batch's.</summary>
    private void Savepoint(SqliteTransaction transaction, string sql) => WriterCommand(sql, transaction).ExecuteNonQuery();

    /// <summary>
    /// An error of this episode's data (a value that cannot be serialized or violates a constraint), as
    /// opposed to one of the storage (locked, full, failing disk), which fails the whole batch.
    /// </summary>
    private static bool IsEpisodeFault(Exception ex) =>
        ex is not SqliteException sqlite || sqlite.SqliteErrorCode is 18 or 19 or 20 or 25; // too big, constraint, mismatch, range

    private sealed class LockLostException : Exception;

    private void CommitEpisode(SqliteTransaction transaction, string owner, EpisodeCommit commit, DateTime now)
    {
        var instance = commit.Instance;
        foreach (var id in commit.ConsumedMessageIds)
        {
            var delete = WriterCommand("DELETE FROM inbox WHERE id = $id AND instance_id = $instance", transaction, "$id", "$instance");
            delete.Parameters["$id"].Value = id;
            delete.Parameters["$instance"].Value = instance.Id;
            // A message already gone was handled by someone else: this episode is stale.
            if (delete.ExecuteNonQuery() == 0) throw new LockLostException();
        }

        var executionId = instance.ExecutionId;
        var historyCount = instance.HistoryCount;
        var input = instance.Input;
        if (commit.NewExecutionId is { } newExecution)
        {
            // Continue-as-new: a fresh history. Work and completions of the old execution are dropped;
            // events that arrived meanwhile stay in the inbox for the new execution.
            ResetExecution(transaction, instance.Id);
            executionId = newExecution;
            historyCount = 0;
            input = commit.NewInput;
            InsertMessage(transaction, instance.Id, MessageKind.ExecutionStarted, now, new DurableEvent
            {
                Type = EventType.ExecutionStarted,
                Timestamp = now,
                Name = instance.Name,
                Version = commit.NewVersion,
                Data = commit.NewInput,
                ExecutionId = newExecution,
                ParentInstanceId = instance.Parent?.InstanceId,
                ParentName = instance.Parent?.Name,
            });
            foreach (var (name, data) in commit.CarriedOverEvents)
            {
                InsertMessage(transaction, instance.Id, MessageKind.EventRaised, now,
                    new DurableEvent { Type = EventType.EventRaised, Timestamp = now, Name = name, Data = data });
            }
        }
        else
        {
            foreach (var e in commit.AppendHistory)
            {
                var insert = WriterCommand(
                    "INSERT INTO history (instance_id, seq, type, timestamp, data) VALUES ($id, $seq, $type, $ts, $data)",
                    transaction, "$id", "$seq", "$type", "$ts", "$data");
                e.Data = Payloads.Encode(_writer, transaction, instance.Id, e.Data);
                insert.Parameters["$id"].Value = instance.Id;
                insert.Parameters["$seq"].Value = historyCount++;
                insert.Parameters["$type"].Value = (int)e.Type;
                insert.Parameters["$ts"].Value = Ticks(e.Timestamp);
                insert.Parameters["$data"].Value = SerializeEvent(e);
                insert.ExecuteNonQuery();
            }
        }

        foreach (var action in commit.Actions)
        {
            // As in Durable Task, an episode that ends in continue-as-new starts none of its work (activities,
            // timers, sub-orchestrations): the new execution would receive their results. Sent events go out.
            if (commit.NewExecutionId is not null && action.Type != EventType.EventSent) continue;
            DispatchAction(transaction, instance, executionId, action, now);
        }

        if (commit.IsTerminal && !instance.Status.IsTerminal())
        {
            // Nothing more will run for this instance: drop its queued work and tell the parent.
            foreach (var sql in new[] { "DELETE FROM inbox WHERE instance_id = $id", "DELETE FROM activities WHERE instance_id = $id" })
            {
                var delete = WriterCommand(sql, transaction, "$id");
                delete.Parameters["$id"].Value = instance.Id;
                delete.ExecuteNonQuery();
            }
            if (instance.Parent is { } parent) NotifyParent(transaction, parent, commit, now);
        }

        var update = WriterCommand("""
            UPDATE instances SET execution_id = $execution, status = $status, input = $input, output = $output,
                   custom_status = $custom, failure = $failure, updated_at = $now, history_count = $count,
                   lock_owner = NULL, lock_until = NULL
            WHERE id = $id AND lock_owner = $owner
            """, transaction, "$execution", "$status", "$input", "$output", "$custom", "$failure", "$now", "$count", "$id", "$owner");
        update.Parameters["$execution"].Value = executionId;
        update.Parameters["$status"].Value = (int)commit.Status;
        update.Parameters["$input"].Value = DbValue(Payloads.Encode(_writer, transaction, instance.Id, input));
        update.Parameters["$output"].Value = DbValue(Payloads.Encode(_writer, transaction, instance.Id, commit.Output));
        update.Parameters["$custom"].Value = DbValue(Payloads.Encode(_writer, transaction, instance.Id, commit.CustomStatus));
        update.Parameters["$failure"].Value = DbValue(SerializeFailure(commit.Failure));
        update.Parameters["$now"].Value = Ticks(now);
        update.Parameters["$count"].Value = historyCount;
        update.Parameters["$id"].Value = instance.Id;
        update.Parameters["$owner"].Value = owner;
        if (update.ExecuteNonQuery() == 0) throw new LockLostException();
    }

    private void ResetExecution(SqliteTransaction transaction, string instanceId)
    {
        foreach (var sql in new[]
                 {
                     "DELETE FROM history WHERE instance_id = $id",
                     "DELETE FROM activities WHERE instance_id = $id",
                     $"DELETE FROM inbox WHERE instance_id = $id AND kind IN ({(int)MessageKind.Completion}, {(int)MessageKind.TimerFired})",
                     // Keep only payloads still referenced by waiting messages; the new input is stored again.
                     "DELETE FROM payloads WHERE instance_id = $id AND ('@payload:' || id) NOT IN " +
                     "(SELECT IFNULL(json_extract(data, '$.data'), '') FROM inbox WHERE instance_id = $id)",
                 })
        {
            var command = WriterCommand(sql, transaction, "$id");
            command.Parameters["$id"].Value = instanceId;
            command.ExecuteNonQuery();
        }
    }

    private void DispatchAction(SqliteTransaction transaction, InstanceRow instance, string executionId, DurableEvent action, DateTime now)
    {
        switch (action.Type)
        {
            case EventType.TaskScheduled:
            {
                var insert = WriterCommand("""
                    INSERT INTO activities (instance_id, execution_id, task_id, name, input, lease_until)
                    VALUES ($instance, $execution, $task, $name, $input, 0)
                    """, transaction, "$instance", "$execution", "$task", "$name", "$input");
                insert.Parameters["$instance"].Value = instance.Id;
                insert.Parameters["$execution"].Value = executionId;
                insert.Parameters["$task"].Value = action.TaskId;
                insert.Parameters["$name"].Value = action.Name;
                insert.Parameters["$input"].Value = DbValue(action.Data);
                insert.ExecuteNonQuery();
                break;
            }
            case EventType.TimerCreated:
            {
                var fireAt = action.FireAt ?? now;
                InsertMessage(transaction, instance.Id, MessageKind.TimerFired, fireAt, new DurableEvent
                {
                    Type = EventType.TimerFired,
                    Timestamp = fireAt,
                    TaskId = action.TaskId,
                    FireAt = fireAt,
                    ExecutionId = executionId,
                });
                break;
            }
            case EventType.SubOrchestrationCreated:
                StartSubOrchestration(transaction, instance, executionId, action, now);
                break;
            case EventType.EventSent:
            {
                // As in Durable Task, an event for an instance that does not exist or has finished is dropped.
                var target = ReadInstance(_writer, transaction, action.InstanceId!);
                if (target is not null && !target.Status.IsTerminal())
                {
                    InsertMessage(transaction, target.Id, MessageKind.EventRaised, now,
                        new DurableEvent { Type = EventType.EventRaised, Timestamp = now, Name = action.Name, Data = action.Data });
                }
                break;
            }
        }
    }

    private void StartSubOrchestration(SqliteTransaction transaction, InstanceRow parent, string parentExecutionId,
        DurableEvent action, DateTime now)
    {
        var childId = action.InstanceId!;
        var existing = ReadInstance(_writer, transaction, childId);
        if (existing is not null && !existing.Status.IsTerminal())
        {
            InsertMessage(transaction, parent.Id, MessageKind.Completion, now, new DurableEvent
            {
                Type = EventType.SubOrchestrationFailed,
                Timestamp = now,
                TaskId = action.TaskId,
                ExecutionId = parentExecutionId,
                Failure = new StoredFailure(typeof(InstanceAlreadyExistsException).FullName!,
                    $"Sub-orchestration instance '{childId}' already exists and is {existing.Status}."),
            });
            return;
        }
        if (existing is not null) DeleteInstanceData(transaction, childId, includeInstanceRow: true);

        var executionId = Guid.NewGuid().ToString("N");
        var reference = new ParentReference(parent.Id, parent.Name, parentExecutionId, action.TaskId);
        InsertInstance(transaction, childId, action.Name!, executionId, action.Data, now, startAt: null, reference);
        InsertMessage(transaction, childId, MessageKind.ExecutionStarted, now, new DurableEvent
        {
            Type = EventType.ExecutionStarted,
            Timestamp = now,
            Name = action.Name,
            Version = action.Version,
            Data = action.Data,
            ExecutionId = executionId,
            ParentInstanceId = parent.Id,
            ParentName = parent.Name,
        });
    }

    private void NotifyParent(SqliteTransaction transaction, ParentReference parent, EpisodeCommit commit, DateTime now)
    {
        var succeeded = commit.Status == InstanceStatus.Completed;
        var failure = commit.Failure;
        if (commit.Status == InstanceStatus.Terminated)
        {
            failure = new StoredFailure("Terminated", $"Sub-orchestration '{commit.Instance.Id}' was terminated: {commit.Output}");
        }
        InsertMessage(transaction, parent.InstanceId, MessageKind.Completion, now, new DurableEvent
        {
            Type = succeeded ? EventType.SubOrchestrationCompleted : EventType.SubOrchestrationFailed,
            Timestamp = now,
            TaskId = parent.TaskId,
            ExecutionId = parent.ExecutionId,
            Data = succeeded ? commit.Output : null,
            Failure = succeeded ? null : failure,
        });
    }

    // ---- Activities ----

    /// <summary>Leases up to <paramref name="max"/> activity work items whose lease is free or expired.</summary>
    public Task<List<ActivityWorkItem>> LeaseActivitiesAsync(string owner, DateTime now, TimeSpan leaseDuration, int max,
        CancellationToken cancellationToken) =>
        WriteAsync("lease activities", transaction =>
        {
            var command = WriterCommand("""
                UPDATE activities SET lease_owner = $owner, lease_until = $until, attempts = attempts + 1
                WHERE id IN (SELECT id FROM activities WHERE lease_until <= $now ORDER BY id LIMIT $limit)
                RETURNING id, instance_id, execution_id, task_id, name, input, attempts
                """, transaction, "$owner", "$until", "$now", "$limit");
            command.Parameters["$owner"].Value = owner;
            command.Parameters["$until"].Value = Ticks(now + leaseDuration);
            command.Parameters["$now"].Value = Ticks(now);
            command.Parameters["$limit"].Value = max;
            var items = new List<ActivityWorkItem>();
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    items.Add(new ActivityWorkItem(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3),
                        reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetInt32(6)));
                }
            }
            return items.Select(i => i with { Input = Payloads.Decode(_writer, transaction, i.InstanceId, i.Input) }).ToList();
        }, cancellationToken);

    /// <summary>
    /// Commits activity results: each work item is removed and its completion queued for its instance in
    /// the same transaction. A result whose lease was lost (expired, or taken again by any worker) is dropped.
    /// </summary>
    public Task<int> CompleteActivitiesAsync(string owner, IReadOnlyList<ActivityCompletion> completions, DateTime now, CancellationToken cancellationToken) =>
        WriteAsync("commit activity results", transaction =>
        {
            var committed = 0;
            foreach (var completion in completions)
            {
                // Only the current, unexpired lease may commit: a result from an earlier attempt (even this
                // worker's) or one that outlived its lease is dropped; the current attempt's result counts.
                var delete = WriterCommand(
                    "DELETE FROM activities WHERE id = $id AND lease_owner = $owner AND attempts = $attempt AND lease_until > $now",
                    transaction, "$id", "$owner", "$attempt", "$now");
                delete.Parameters["$id"].Value = completion.Item.Id;
                delete.Parameters["$owner"].Value = owner;
                delete.Parameters["$attempt"].Value = completion.Item.Attempt;
                delete.Parameters["$now"].Value = Ticks(now);
                if (delete.ExecuteNonQuery() == 0) continue;

                committed++;
                InsertMessage(transaction, completion.Item.InstanceId, MessageKind.Completion, completion.CompletedAt, new DurableEvent
                {
                    Type = completion.Failure is null ? EventType.TaskCompleted : EventType.TaskFailed,
                    Timestamp = completion.CompletedAt,
                    TaskId = completion.Item.TaskId,
                    ExecutionId = completion.Item.ExecutionId,
                    Data = completion.Result,
                    Failure = completion.Failure,
                });
            }
            return committed;
        }, cancellationToken);

    /// <summary>Extends the leases of activities still running here, so long activities are not re-delivered.</summary>
    public Task RenewLeasesAsync(string owner, IReadOnlyCollection<long> ids, DateTime until, CancellationToken cancellationToken) =>
        WriteAsync("renew activity leases", transaction =>
        {
            foreach (var id in ids)
            {
                var command = WriterCommand("UPDATE activities SET lease_until = $until WHERE id = $id AND lease_owner = $owner",
                    transaction, "$until", "$id", "$owner");
                command.Parameters["$until"].Value = Ticks(until);
                command.Parameters["$id"].Value = id;
                command.Parameters["$owner"].Value = owner;
                command.ExecuteNonQuery();
            }
            return true;
        }, cancellationToken);

    /// <summary>Hands back leased activities that were not started, so any worker can take them at once.</summary>
    public Task ReleaseLeasesAsync(string owner, IReadOnlyCollection<long> ids, CancellationToken cancellationToken) =>
        WriteAsync("release activity leases", transaction =>
        {
            foreach (var id in ids)
            {
                var command = WriterCommand("UPDATE activities SET lease_owner = NULL, lease_until = 0 WHERE id = $id AND lease_owner = $owner",
                    transaction, "$id", "$owner");
                command.Parameters["$id"].Value = id;
                command.Parameters["$owner"].Value = owner;
                command.ExecuteNonQuery();
            }
            return true;
        }, cancellationToken);

    /// <summary>
    /// Frees everything a worker id holds. Called at start-up: a worker restarting under the same id
    /// knows its previous incarnation is gone, so its leases and locks need not time out.
    /// </summary>
    public Task ReleaseOwnerAsync(string owner, CancellationToken cancellationToken) =>
        WriteAsync("release a worker's leases", transaction =>
        {
            var activities = WriterCommand("UPDATE activities SET lease_owner = NULL, lease_until = 0 WHERE lease_owner = $owner", transaction, "$owner");
            activities.Parameters["$owner"].Value = owner;
            activities.ExecuteNonQuery();
            var instances = WriterCommand("UPDATE instances SET lock_owner = NULL, lock_until = NULL WHERE lock_owner = $owner", transaction, "$owner");
            instances.Parameters["$owner"].Value = owner;
            instances.ExecuteNonQuery();
            return true;
        }, cancellationToken);

    /// <summary>The next time something becomes due: a timer or start time, or an expiring lease or lock.</summary>
    public DateTime? GetNextDueTime(DateTime now) => Read<DateTime?>("read the next due time", connection =>
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT MIN(t) FROM (
                SELECT MIN(visible_at) AS t FROM inbox WHERE visible_at > $now
                UNION ALL SELECT MIN(lease_until) FROM activities WHERE lease_until > $now
                UNION ALL SELECT MIN(lock_until) FROM instances WHERE lock_until > $now)
            """;
        command.Parameters.AddWithValue("$now", Ticks(now));
        var value = command.ExecuteScalar();
        return value is long ticks ? FromTicks(ticks) : null;
    });
}
