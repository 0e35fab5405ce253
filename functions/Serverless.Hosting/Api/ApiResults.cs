using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask;
using Serverless.Durable;

namespace Serverless.Hosting.Api;

/// <summary>
/// What every area's handlers share: one JSON style (camelCase, enums as strings, the engine's own
/// converter settings), error bodies of the form <c>{ "error": "..." }</c>, and reading a request body as JSON.
/// </summary>
public static class ApiResults
{
    /// <summary>The JSON settings of every response (the same as the engine's payloads).</summary>
    public static JsonSerializerOptions JsonOptions { get; } = DurableJson.CreateOptions();

    public static IResult Json(object? value, int statusCode = StatusCodes.Status200OK) =>
        Results.Json(value, JsonOptions, statusCode: statusCode);

    public static IResult Error(int statusCode, string message) =>
        Results.Json(new ApiError(message), JsonOptions, statusCode: statusCode);

    public static IResult BadRequest(string message) => Error(StatusCodes.Status400BadRequest, message);

    public static IResult NotFound(string message) => Error(StatusCodes.Status404NotFound, message);

    public static IResult Conflict(string message) => Error(StatusCodes.Status409Conflict, message);

    /// <summary>
    /// Reads the whole body as one JSON value. An empty body is <c>null</c>; malformed JSON is an error
    /// result that says where the parser stopped.
    /// </summary>
    public static async Task<JsonBody> ReadJsonBodyAsync(HttpRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var limit = ApiLimits.MaxBodyBytes(request);
        var bytes = await ReadBodyAsync(request, limit, cancellationToken).ConfigureAwait(false);
        if (bytes is null) return new JsonBody(null, Error(StatusCodes.Status413PayloadTooLarge, ApiErrors.TooLargeMessage(limit)));
        if (bytes.All(b => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')) return new JsonBody(null, null);
        try
        {
            using var document = JsonDocument.Parse(bytes);
            return new JsonBody(document.RootElement.Clone(), null);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" (line {line + 1}, position {ex.BytePositionInLine + 1})" : "";
            return new JsonBody(null, BadRequest($"The request body is not valid JSON{where}: {ex.Message}"));
        }
    }

    /// <summary>The whole body, or null when it is longer than <paramref name="limit"/> (read no further than that).</summary>
    public static async Task<byte[]?> ReadBodyAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > limit) return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>A raw JSON text (input, output, custom status) as a value to embed in a response, or null.</summary>
    public static JsonElement? RawJson(string? serialized)
    {
        if (serialized is null) return null;
        try
        {
            using var document = JsonDocument.Parse(serialized);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            // Not JSON (a plain text reason, for example): show it as a string.
            return JsonSerializer.SerializeToElement(serialized, JsonOptions);
        }
    }
}

/// <summary>The body of every error response.</summary>
public sealed record ApiError(string Error);

/// <summary>A request body read as JSON: the value (null for an empty body), or the 400 result to return.</summary>
public readonly record struct JsonBody(JsonElement? Value, IResult? Error);
