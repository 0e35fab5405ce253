using Microsoft.Extensions.Configuration;
using Serverless.Durable.Embedded;

namespace Serverless.Cli;

/// <summary>
/// Configuration for CLI commands: appsettings.json in the working folder, then environment variables
/// (<c>Serverless__Engine__DatabasePath</c>, ...), then command-line options.
/// </summary>
internal static class CliSettings
{
    public static IConfigurationRoot Load() => new ConfigurationBuilder()
        .SetBasePath(Directory.GetCurrentDirectory())
        .AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables()
        .Build();

    /// <summary>
    /// Engine options for a CLI process. Its worker id is its own: a CLI command may run beside a host on
    /// the same database, and the two must not mistake each other's leases for their own.
    /// </summary>
    public static EmbeddedEngineOptions EngineOptions(IConfiguration configuration, string? databaseOverride)
    {
        var options = new EmbeddedEngineOptions();
        configuration.GetSection("Serverless:Engine").Bind(options);
        if (!string.IsNullOrWhiteSpace(databaseOverride)) options.DatabasePath = databaseOverride;
        options.WorkerId = $"{Environment.MachineName}-cli-{Environment.ProcessId}";
        options.PollInterval = TimeSpan.FromMilliseconds(100);
        return options;
    }
}
