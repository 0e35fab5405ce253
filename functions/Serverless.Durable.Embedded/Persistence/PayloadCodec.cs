using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Serverless.Durable.Embedded.Persistence;

/// <summary>
/// Keeps large payloads out of history rows: text above the threshold is stored once, compressed, in
/// the payloads table (in the same transaction) and travels as a short reference.
/// </summary>
internal sealed class PayloadCodec(int thresholdChars)
{
    private const string ReferencePrefix = "@payload:";

    public int ThresholdChars { get; } = thresholdChars;

    public static bool IsReference(string? value) => value is not null && value.StartsWith(ReferencePrefix, StringComparison.Ordinal);

    /// <summary>
    /// Returns the text to store: the value itself, or a reference after saving it under
    /// <paramref name="instanceId"/>. A reference that arrives from another instance (a sub-orchestration's
    /// input, a sent event, a child's output) gets its payload copied to this instance, which reads and
    /// purges only its own payloads.
    /// </summary>
    public string? Encode(SqliteConnection connection, SqliteTransaction transaction, string instanceId, string? value)
    {
        if (IsReference(value))
        {
            using var copy = connection.CreateCommand();
            copy.Transaction = transaction;
            copy.CommandText = """
                INSERT OR IGNORE INTO payloads(instance_id, id, data)
                SELECT $instance, id, data FROM payloads WHERE id = $id AND instance_id <> $instance
                  AND NOT EXISTS (SELECT 1 FROM payloads WHERE instance_id = $instance AND id = $id)
                LIMIT 1
                """;
            copy.Parameters.AddWithValue("$instance", instanceId);
            copy.Parameters.AddWithValue("$id", value![ReferencePrefix.Length..]);
            copy.ExecuteNonQuery();
            return value;
        }
        if (value is null || value.Length <= ThresholdChars) return value;

        var bytes = Encoding.UTF8.GetBytes(value);
        var id = Convert.ToHexStringLower(SHA256.HashData(bytes));
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT OR IGNORE INTO payloads(instance_id, id, data) VALUES ($instance, $id, $data)";
        command.Parameters.AddWithValue("$instance", instanceId);
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$data", Compress(bytes));
        command.ExecuteNonQuery();
        return ReferencePrefix + id;
    }

    /// <summary>Resolves a reference back to its text; other values pass through.</summary>
    public string? Decode(SqliteConnection connection, SqliteTransaction? transaction, string instanceId, string? value)
    {
        if (!IsReference(value)) return value;

        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT data FROM payloads WHERE instance_id = $instance AND id = $id";
        command.Parameters.AddWithValue("$instance", instanceId);
        command.Parameters.AddWithValue("$id", value![ReferencePrefix.Length..]);
        var data = command.ExecuteScalar() as byte[]
            ?? throw new EngineStorageException($"Payload '{value}' of instance '{instanceId}' is missing from the engine database.");
        return Encoding.UTF8.GetString(Decompress(data));
    }

    private static byte[] Compress(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var brotli = new BrotliStream(output, CompressionLevel.Fastest)) brotli.Write(bytes);
        return output.ToArray();
    }

    private static byte[] Decompress(byte[] bytes)
    {
        using var input = new BrotliStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}
