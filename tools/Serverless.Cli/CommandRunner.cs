using System.CommandLine;
using System.Text.Json;
using Microsoft.DurableTask;
using Serverless.Durable;
using Serverless.Durable.Embedded.Persistence;
using Serverless.Hosting.Composition;
using Serverless.Workflows;

namespace Serverless.Cli;

/// <summary>Runs a parsed command and turns expected failures into one clear line and a non-zero exit code.</summary>
internal static class CommandRunner
{
    public static async Task<int> InvokeAsync(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
        try
        {
            // Expected failures are reported below as one line; System.CommandLine's handler would print a stack trace.
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex) when (Describe(ex) is { } message)
        {
            Console.Error.WriteLine($"error: {message}");
            return ex is CliUsageException ? 2 : 1;
        }
    }

    /// <summary>The one-line message for an expected failure, or null for a bug (which keeps its stack trace).</summary>
    internal static string? Describe(Exception ex) => ex switch
    {
        CliUsageException or UnknownTaskException or InvalidPayloadException or InstanceAlreadyExistsException
            or InstanceNotFoundException or InstanceStateException or EngineStorageException or StateFileException
            or WorkflowNotStartableException or WorkflowInputException => ex.Message,
        // A setting the host refuses at start (a remote listener, a bad key, a bad limit) is one line, not a stack trace.
        InvalidOperationException when ex.Source is "Serverless.Hosting" => ex.Message,
        JsonException json => $"invalid JSON: {json.Message}",
        OperationCanceledException => "cancelled",
        _ => null,
    };
}
