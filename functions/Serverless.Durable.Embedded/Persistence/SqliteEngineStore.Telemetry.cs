using Serverless.Durable.Embedded.History;

namespace Serverless.Durable.Embedded.Persistence;

// What the engine's queue gauges read: how much work waits, and since when.
internal sealed partial class SqliteEngineStore
{
    /// <summary>
    /// Messages ready for an episode and activities waiting for a worker, with when the oldest of each became due: a
    /// message when it became visible, an activity when its orchestration scheduled it (its TaskScheduled event).
    /// </summary>
    public QueueSnapshot GetQueueSnapshot(DateTime now) => Read("read the queue depth", connection =>
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT (SELECT COUNT(*) FROM inbox WHERE visible_at <= $now),
                   (SELECT MIN(visible_at) FROM inbox WHERE visible_at <= $now),
                   (SELECT COUNT(*) FROM activities WHERE lease_until <= $now)
            """;
        command.Parameters.AddWithValue("$now", Ticks(now));
        int messages, activities;
        DateTime? oldestMessage;
        using (var reader = command.ExecuteReader())
        {
            reader.Read();
            messages = reader.GetInt32(0);
            oldestMessage = reader.IsDBNull(1) ? null : FromTicks(reader.GetInt64(1));
            activities = reader.GetInt32(2);
        }

        DateTime? oldestActivity = null;
        if (activities > 0)
        {
            // Activity ids grow in scheduling order: the lowest waiting id is the oldest; its history event has the time.
            using var oldest = connection.CreateCommand();
            oldest.CommandText = $"""
                SELECT h.timestamp FROM (SELECT instance_id, task_id FROM activities WHERE lease_until <= $now ORDER BY id LIMIT 1) a
                JOIN history h ON h.instance_id = a.instance_id AND h.type = {(int)EventType.TaskScheduled}
                 AND json_extract(h.data, '$.taskId') = a.task_id
                LIMIT 1
                """;
            oldest.Parameters.AddWithValue("$now", Ticks(now));
            if (oldest.ExecuteScalar() is long ticks) oldestActivity = FromTicks(ticks);
        }
        return new QueueSnapshot(messages, oldestMessage, activities, oldestActivity);
    });
}

/// <summary>Work waiting in the engine's database.</summary>
internal sealed record QueueSnapshot(int ReadyMessages, DateTime? OldestMessageDueAt, int WaitingActivities, DateTime? OldestActivityScheduledAt);
