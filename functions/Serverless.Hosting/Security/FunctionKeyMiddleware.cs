using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Serverless.Hosting.Api;

namespace Serverless.Hosting.Security;

/// <summary>
/// Guards every request under <c>/api</c>: the key comes from the <c>x-functions-key</c> header or the
/// <c>code</c> query parameter, as in Azure Functions. Without a valid key the answer is 401 and the
/// request goes no further: no route runs, no body is read.
/// </summary>
public sealed class FunctionKeyMiddleware(RequestDelegate next, FunctionKeys keys, ILogger<FunctionKeyMiddleware> logger)
{
    public const string HeaderName = "x-functions-key";
    public const string QueryName = "code";

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)) return next(context);

        var presented = context.Request.Headers[HeaderName].ToString();
        if (presented.Length == 0) presented = context.Request.Query[QueryName].ToString();
        if (keys.IsValid(presented)) return next(context);

        logger.LogWarning("Refused {Method} {Path} from {Remote}: {Reason}", context.Request.Method, context.Request.Path,
            context.Connection.RemoteIpAddress, presented.Length == 0 ? "no key" : "wrong key");
        var message = presented.Length == 0
            ? $"A function key is required: send it in the {HeaderName} header or the {QueryName} query parameter."
            : "The function key is not valid.";
        return ApiResults.Error(StatusCodes.Status401Unauthorized, message).ExecuteAsync(context);
    }
}
