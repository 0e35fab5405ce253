using Microsoft.Extensions.Configuration;

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
}
