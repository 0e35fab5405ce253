using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Serverless.Functions.Tests;

/// <summary>The shell's composition (Program.ConfigureServices) on a temporary folder, for a test's lifetime.</summary>
public sealed class ShellServices : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("serverless-shell-").FullName;

    public ShellServices()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>()).Build();
        var services = new ServiceCollection().AddLogging();
        Program.ConfigureServices(services, configuration, _directory);
        Provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }

    public ServiceProvider Provider { get; }

    public void Dispose()
    {
        // The worker's OpenTelemetry services are disposed asynchronously only, as the Functions host disposes them.
        Provider.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_directory, recursive: true);
    }
}
