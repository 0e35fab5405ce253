using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Serverless.Hosting.Api;

namespace Serverless.Hosting.LocalHost;

/// <summary>
/// Every failure a route does not handle itself becomes the JSON error the other errors use, with its real status
/// (503 for a database held by another process, 413 for a body past its limit, 500 naming the cause otherwise),
/// and is logged with that status. It also sets each request's body limit (<see cref="ApiLimits"/>) and refuses a
/// body whose declared length is over it before anything reads it.
/// </summary>
public sealed class ApiErrorMiddleware(RequestDelegate next, IConfiguration configuration, ILogger<ApiErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var limit = context.GetEndpoint()?.Metadata.GetMetadata<RequestBodyLimit>()?.Limit(configuration) ?? ApiLimits.MaxBodyBytes(configuration);
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize) bodySize.MaxRequestBodySize = limit;
        if (context.Request.ContentLength > limit)
        {
            await ApiResults.Error(StatusCodes.Status413PayloadTooLarge, ApiErrors.TooLargeMessage(limit)).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var (status, message) = ApiErrors.Describe(ex, context);
            if (status == ApiErrors.ClientClosedRequest)
            {
                logger.LogInformation("{Method} {Path}: {Message}", context.Request.Method, context.Request.Path, message);
            }
            else if (status >= 500)
            {
                logger.LogError(ex, "{Method} {Path} failed with {StatusCode}: {Message}", context.Request.Method, context.Request.Path, status, message);
            }
            else
            {
                logger.LogWarning("{Method} {Path} refused with {StatusCode}: {Message}", context.Request.Method, context.Request.Path, status, message);
            }
            if (context.Response.HasStarted)
            {
                // Part of the answer is on its way; all that is left is to cut it off.
                context.Abort();
                return;
            }
            context.Response.Clear();
            context.Response.StatusCode = status;
            if (status == StatusCodes.Status503ServiceUnavailable) context.Response.Headers.RetryAfter = "5";
            if (status != ApiErrors.ClientClosedRequest)
            {
                await ApiResults.Error(status, message).ExecuteAsync(context).ConfigureAwait(false);
            }
        }
    }
}
