using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Serverless.Durable.Embedded.Persistence;

namespace Serverless.Hosting.Api;

/// <summary>
/// What an unexpected failure in a route means for the caller: the real status and one line naming the cause,
/// never an empty 500. The local host's error middleware and the Azure shell both answer with it.
/// </summary>
public static class ApiErrors
{
    /// <summary>Nginx's "client closed request": nobody is left to answer, but the log shows what happened.</summary>
    public const int ClientClosedRequest = 499;

    public static (int Status, string Message) Describe(Exception exception, HttpContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is OperationCanceledException && context?.RequestAborted.IsCancellationRequested == true)
        {
            return (ClientClosedRequest, "The client closed the request before it was answered.");
        }
        return exception switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
                (StatusCodes.Status413PayloadTooLarge, TooLargeMessage(context?.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize)),
            BadHttpRequestException bad => (bad.StatusCode, $"The request could not be read: {bad.Message}"),
            EngineStorageException { InnerException: SqliteException inner } engine => (SqliteStatus(inner), engine.Message),
            EngineStorageException engine => (StatusCodes.Status500InternalServerError, engine.Message),
            SqliteException sqlite => (SqliteStatus(sqlite), SqliteMessage(sqlite)),
            IOException io => (StatusCodes.Status500InternalServerError, $"A store could not be read or written: {io.Message}"),
            _ => (StatusCodes.Status500InternalServerError, $"The request failed ({exception.GetType().Name}): {exception.Message}"),
        };
    }

    /// <summary>The body of a 413: how much a request may carry.</summary>
    public static string TooLargeMessage(long? limit) =>
        limit is { } bytes ? $"The request body is larger than this route accepts ({bytes} bytes)." : "The request body is too large.";

    private static int SqliteStatus(SqliteException ex) => ex.SqliteErrorCode switch
    {
        // Busy or locked: another process holds the database; the same request can succeed later.
        5 or 6 => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    private static string SqliteMessage(SqliteException ex) => ex.SqliteErrorCode switch
    {
        5 or 6 => $"A database is locked by another process; try again shortly ({ex.Message}).",
        11 or 26 => $"A database file is damaged or is not a SQLite database: {ex.Message}",
        _ => $"A database failed: {ex.Message}",
    };
}
