using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serverless.Hosting.Api;

namespace Serverless.Functions.Runtime;

/// <summary>
/// Runs one of the HTTP handlers shared with the local host (Serverless.Hosting/Api/&lt;Area&gt;/&lt;Area&gt;Handlers)
/// inside an HTTP function: the function's Durable client becomes the request's orchestration client, and
/// the handler's <see cref="IResult"/> is written as the response.
/// </summary>
public static class ShellHttp
{
    public static async Task<IActionResult> RunAsync(HttpRequest request, DurableTaskClient client, Func<Task<IResult>> handler)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(handler);
        request.HttpContext.RequestServices.GetRequiredService<OrchestrationClientScope>().Use(client);
        return await RunAsync(request, handler);
    }

    public static async Task<IActionResult> RunAsync(HttpRequest request, Func<Task<IResult>> handler)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(handler);
        try
        {
            return new HandlerResult(await handler());
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            // The same answer as the local host's: the real status and a JSON error naming the cause, never an empty 500.
            var (status, message) = ApiErrors.Describe(ex, request.HttpContext);
            request.HttpContext.RequestServices.GetService<ILoggerFactory>()?.CreateLogger(typeof(ShellHttp).FullName!)
                .LogError(ex, "{Method} {Path} failed with {StatusCode}: {Message}", request.Method, request.Path, status, message);
            return new HandlerResult(ApiResults.Error(status, message));
        }
    }

    /// <summary>A handler's result as the action result the Functions ASP.NET Core integration executes.</summary>
    public sealed class HandlerResult(IResult result) : IActionResult
    {
        public IResult Result { get; } = result ?? throw new ArgumentNullException(nameof(result));

        public Task ExecuteResultAsync(ActionContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            return Result.ExecuteAsync(context.HttpContext);
        }
    }
}
