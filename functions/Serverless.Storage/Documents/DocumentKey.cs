using System.Text.Json;

namespace Serverless.Storage.Documents;

/// <summary>
/// The rules for partition keys and ids in every adapter, taken from Cosmos DB's so that keys
/// that work on one machine work in Azure: an id is 1 to 255 characters without '/', '\', '?',
/// '#' or control characters; a partition key is 1 to 1024 characters without control characters
/// ('/' is fine there, e.g. <c>recommendations/web</c>).
/// </summary>
public static class DocumentKey
{
    public const int MaxIdLength = 255;
    public const int MaxPartitionKeyLength = 1024;

    /// <summary>Validates a document's address; every adapter calls this before touching storage.</summary>
    public static void Validate(string partitionKey, string id)
    {
        ValidatePartitionKey(partitionKey);
        ValidateId(id);
    }

    /// <summary>Validates a document's address and that it has a JSON body (not a default <see cref="JsonElement"/>).</summary>
    public static void Validate(string partitionKey, string id, JsonElement body)
    {
        Validate(partitionKey, id);
        if (body.ValueKind == JsonValueKind.Undefined)
        {
            throw new ArgumentException($"Document '{id}' in partition '{partitionKey}' has no JSON body (default JsonElement).", nameof(body));
        }
    }

    public static void ValidatePartitionKey(string partitionKey, string parameterName = "partitionKey")
    {
        var problem = partitionKey switch
        {
            null => "it is null",
            "" => "it is empty",
            { Length: > MaxPartitionKeyLength } => $"it is longer than {MaxPartitionKeyLength} characters",
            _ when partitionKey.Any(char.IsControl) => "it contains a control character",
            _ => null,
        };
        if (problem is not null)
        {
            throw new ArgumentException($"Invalid document partition key '{partitionKey}': {problem}.", parameterName);
        }
    }

    public static void ValidateId(string id, string parameterName = "id")
    {
        var problem = FindIdProblem(id, allowEmpty: false);
        if (problem is not null)
        {
            throw new ArgumentException($"Invalid document id '{id}': {problem}.", parameterName);
        }
    }

    /// <summary>An id prefix follows the id rules but may be empty.</summary>
    public static void ValidateIdPrefix(string idPrefix, string parameterName = "idPrefix")
    {
        var problem = FindIdProblem(idPrefix, allowEmpty: true);
        if (problem is not null)
        {
            throw new ArgumentException($"Invalid document id prefix '{idPrefix}': {problem}.", parameterName);
        }
    }

    private static string? FindIdProblem(string? id, bool allowEmpty) => id switch
    {
        null => "it is null",
        "" when !allowEmpty => "it is empty",
        { Length: > MaxIdLength } => $"it is longer than {MaxIdLength} characters",
        _ when id.IndexOfAny(['/', '\\', '?', '#']) >= 0 => "it contains one of '/', '\\', '?', '#'",
        _ when id.Any(char.IsControl) => "it contains a control character",
        _ => null,
    };
}
