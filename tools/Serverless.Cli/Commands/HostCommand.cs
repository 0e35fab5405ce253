using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serverless.Hosting.Composition;
using Serverless.Hosting.LocalHost;

namespace Serverless.Cli.Commands;

/// <summary>
/// <c>serverless host [--port 7071] [--db PATH]</c>: the local host, serving the Function App's HTTP routes,
/// timers and pages on 127.0.0.1 with the engine <c>Serverless:Engine:Provider</c> names (embedded by default), until Ctrl+C.
/// </summary>
internal static class HostCommand
{
    public static Command Create()
    {
        var port = new Option<int?>("--port") { Description = "The port on 127.0.0.1 (default: Serverless:Host:Port, else 7071; 0 takes a free one)." };
        var database = new Option<string?>("--db") { Description = "The engine database (default: Serverless:Engine:DatabasePath, else .data/engine.db)." };
        var noSchedules = new Option<bool>("--no-schedules") { Description = "Run no timer schedules (HTTP and pages only)." };
        var command = new Command("host", "Serve the HTTP API, timer schedules and pages on this machine (engine: Serverless:Engine:Provider, embedded by default).") { port, database, noSchedules };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var portValue = parse.GetValue(port);
            if (portValue is < 0 or > 65535) throw new CliUsageException($"--port must be from 0 to 65535, not {portValue}.");
            var databasePath = parse.GetValue(database);
            await using var host = ServerlessLocalHost.Create(new LocalHostOptions
            {
                Port = portValue,
                DatabasePath = string.IsNullOrWhiteSpace(databasePath) ? null : Path.GetFullPath(databasePath),
                BaseDirectory = Directory.GetCurrentDirectory(),
                EnableSchedules = !parse.GetValue(noSchedules),
                // Traces and metrics go to an OTLP collector (localhost:4317 unless configured); the console stays quiet.
                ExportTelemetryByDefault = true,
            });
            await host.StartAsync(cancellationToken);
            var engine = host.Services.GetRequiredService<EngineDescription>();
            Console.WriteLine($"serverless host on {host.BaseAddress} ({engine.Provider} engine, {engine.Location}); pages at {host.BaseAddress}index.html; Ctrl+C to stop.");
            // Every address, so a listener added by configuration (Kestrel:Endpoints) is never a surprise.
            foreach (var address in host.Addresses) Console.WriteLine($"listening on {address}");
            await host.App.WaitForShutdownAsync(cancellationToken);
            return 0;
        });
        return command;
    }
}
