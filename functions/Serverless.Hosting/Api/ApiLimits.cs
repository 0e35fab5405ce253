using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Serverless.Hosting.Api;

/// <summary>
/// How large a request body may be: <c>Serverless:Api:MaxBodyBytes</c> for every route (default 1 MiB), and
/// <c>Serverless:Api:MaxEventBatchBytes</c> for <c>POST /api/events</c> (default 16 MiB). A larger body is
/// answered 413 with the usual JSON error, before it is read or while it is read (a chunked body has no length).
/// </summary>
public static class ApiLimits
{
    public const string MaxBodyBytesSetting = "Serverless:Api:MaxBodyBytes";
    public const string MaxEventBatchBytesSetting = "Serverless:Api:MaxEventBatchBytes";
    public const long DefaultMaxBodyBytes = 1 << 20;
    public const long DefaultMaxEventBatchBytes = 16 << 20;

    public static long MaxBodyBytes(IConfiguration? configuration) => Read(configuration, MaxBodyBytesSetting, DefaultMaxBodyBytes);

    public static long MaxEventBatchBytes(IConfiguration? configuration) => Read(configuration, MaxEventBatchBytesSetting, DefaultMaxEventBatchBytes);

    /// <summary>The limit of an ordinary route for this request's host.</summary>
    public static long MaxBodyBytes(HttpRequest request) => MaxBodyBytes(request.HttpContext.RequestServices.GetService<IConfiguration>());

    private static long Read(IConfiguration? configuration, string setting, long fallback)
    {
        var text = configuration?[setting];
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        return long.TryParse(text, out var value) && value > 0
            ? value
            : throw new InvalidOperationException($"{setting} = '{text}' is not a whole number of bytes greater than 0.");
    }
}

/// <summary>Endpoint metadata: this route takes bodies up to its own limit instead of <see cref="ApiLimits.MaxBodyBytesSetting"/>.</summary>
public sealed record RequestBodyLimit(Func<IConfiguration?, long> Limit);
