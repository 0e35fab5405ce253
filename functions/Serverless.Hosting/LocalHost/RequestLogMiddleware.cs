using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Serverless.Hosting.LocalHost;

/// <summary>
/// One structured log line per request: method, path, status and duration. The query string is left out,
/// since it may carry a function key (<c>?code=</c>).
/// </summary>
public sealed class RequestLogMiddleware(RequestDelegate next, ILogger<RequestLogMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            var level = context.Response.StatusCode >= 500 ? LogLevel.Error
                : context.Request.Path.StartsWithSegments("/api") || context.Response.StatusCode >= 400 ? LogLevel.Information
                : LogLevel.Debug;
            logger.Log(level, "HTTP {Method} {Path} -> {StatusCode} in {ElapsedMs:0.0} ms", context.Request.Method,
                context.Request.Path.Value, context.Response.StatusCode, elapsed.TotalMilliseconds);
        }
    }
}
