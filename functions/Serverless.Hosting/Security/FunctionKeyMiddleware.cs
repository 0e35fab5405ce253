using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Serverless.Hosting.Api;

namespace Serverless.Hosting.Security;

/// <summary>
/// Guards every request under <c>/api</c>: the key comes from the <c>x-functions-key</c> header or the
/// <c>code</c> query parameter, as in Azure Functions. Without a valid key the answer is 401 and the request
/// goes no further: no route runs, no body is read. A route marked <see cref="AdminKeyRequired"/> needs an admin
/// key (403 with a function key). A client that keeps presenting wrong keys is answered 429 for a while
/// (<see cref="WrongKeyLimiter"/>), whatever it presents then, so keys cannot be guessed at speed.
/// </summary>
public sealed class FunctionKeyMiddleware(RequestDelegate next, HostKeys keys, WrongKeyLimiter limiter, ILogger<FunctionKeyMiddleware> logger)
{
    public const string HeaderName = "x-functions-key";
    public const string QueryName = "code";

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)) return next(context);

        var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (limiter.IsBlocked(client))
        {
            logger.LogWarning("Refused {Method} {Path} from {Remote}: too many wrong keys", context.Request.Method, context.Request.Path, client);
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(limiter.Window.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return ApiResults.Error(StatusCodes.Status429TooManyRequests,
                $"Too many requests with a wrong or missing key from this address; try again in {limiter.Window.TotalSeconds:0} s.").ExecuteAsync(context);
        }

        var presented = context.Request.Headers[HeaderName].ToString();
        if (presented.Length == 0) presented = context.Request.Query[QueryName].ToString();
        var level = keys.LevelOf(presented);
        if (level == KeyLevel.None)
        {
            limiter.RecordFailure(client);
            logger.LogWarning("Refused {Method} {Path} from {Remote}: {Reason}", context.Request.Method, context.Request.Path,
                client, presented.Length == 0 ? "no key" : "wrong key");
            var message = presented.Length == 0
                ? $"A function key is required: send it in the {HeaderName} header or the {QueryName} query parameter."
                : "The function key is not valid.";
            return ApiResults.Error(StatusCodes.Status401Unauthorized, message).ExecuteAsync(context);
        }

        if (level != KeyLevel.Admin && context.GetEndpoint()?.Metadata.GetMetadata<AdminKeyRequired>() is not null)
        {
            logger.LogWarning("Refused {Method} {Path} from {Remote}: a function key, the route needs the admin key", context.Request.Method,
                context.Request.Path, client);
            return ApiResults.Error(StatusCodes.Status403Forbidden, keys.AdminKeys is null
                ? $"This needs the admin key, and this host has none ({FunctionKeys.AdminKeysSetting})."
                : "This needs the admin key; a function key can read, submit events and start the public workflows.").ExecuteAsync(context);
        }
        return next(context);
    }
}

/// <summary>Endpoint metadata: only an admin key opens this route (terminate, purge, raise any event, suspend, resume, change definitions).</summary>
public sealed class AdminKeyRequired
{
    public static AdminKeyRequired Instance { get; } = new();
}

public static class AdminKeyEndpointExtensions
{
    /// <summary>Only an admin key opens this route.</summary>
    public static TBuilder RequireAdminKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(AdminKeyRequired.Instance);
}
