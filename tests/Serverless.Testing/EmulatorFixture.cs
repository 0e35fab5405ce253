using Xunit;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Serverless.Testing;

/// <summary>
/// Azurite and cosmosdb-server for the Azure adapters' contract tests. Uses emulators that are
/// already running when <see cref="StorageVariable"/> and <see cref="CosmosVariable"/> hold their
/// connection strings; otherwise starts its own through tools/emulators/start.sh, on free loopback
/// ports and with a private run folder (so parallel runs never share or stop each other's
/// emulators), and stops them through stop.sh on dispose. start.sh also gets this process's id,
/// so its watchdog stops the emulators should this process die without disposing.
/// </summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    public const string StorageVariable = "SERVERLESS_EMULATOR_STORAGE";
    public const string CosmosVariable = "SERVERLESS_EMULATOR_COSMOS";

    // The first start may run `npm ci` (under a minute); later starts take a few seconds.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private string? _runDirectory;
    private Dictionary<string, string> _environment = [];

    public string StorageConnectionString { get; private set; } = "";

    public string CosmosConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var storage = Environment.GetEnvironmentVariable(StorageVariable);
        var cosmos = Environment.GetEnvironmentVariable(CosmosVariable);
        if (!string.IsNullOrWhiteSpace(storage) && !string.IsNullOrWhiteSpace(cosmos))
        {
            StorageConnectionString = storage;
            CosmosConnectionString = cosmos;
            return;
        }

        _runDirectory = Directory.CreateTempSubdirectory("serverless-emulators-").FullName;
        var ports = FreeLoopbackPorts(4);
        _environment = new Dictionary<string, string>
        {
            ["EMULATORS_HOST"] = "127.0.0.1",
            ["AZURITE_BLOB_PORT"] = ports[0].ToString(),
            ["AZURITE_QUEUE_PORT"] = ports[1].ToString(),
            ["AZURITE_TABLE_PORT"] = ports[2].ToString(),
            ["COSMOS_PORT"] = ports[3].ToString(),
            ["EMULATORS_RUN_DIR"] = _runDirectory,
            ["EMULATORS_OWNER_PID"] = Environment.ProcessId.ToString(),
        };
        try
        {
            var (exitCode, output, errors) = await RunScriptAsync("start.sh", StartTimeout);
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"tools/emulators/start.sh failed with exit code {exitCode}:\n{errors}");
            }
            var values = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(line => line.Split('=', 2))
                .Where(parts => parts.Length == 2)
                .ToDictionary(parts => parts[0], parts => parts[1]);
            StorageConnectionString = values.GetValueOrDefault(StorageVariable)
                ?? throw new InvalidOperationException($"start.sh printed no {StorageVariable}:\n{output}");
            CosmosConnectionString = values.GetValueOrDefault(CosmosVariable)
                ?? throw new InvalidOperationException($"start.sh printed no {CosmosVariable}:\n{output}");
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_runDirectory is null)
        {
            return;
        }
        var (exitCode, _, errors) = await RunScriptAsync("stop.sh", StopTimeout);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"tools/emulators/stop.sh failed with exit code {exitCode}:\n{errors}");
        }
        Directory.Delete(_runDirectory, recursive: true);
        _runDirectory = null;
    }

    private async Task<(int ExitCode, string Output, string Errors)> RunScriptAsync(string script, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("bash")
        {
            ArgumentList = { Path.Combine(EmulatorsFolder(), script) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in _environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start bash for {script}.");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"tools/emulators/{script} did not finish within {timeout}:\n{await errors}");
        }
        return (process.ExitCode, await output, await errors);
    }

    private static string EmulatorsFolder()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "tools", "emulators");
            if (File.Exists(Path.Combine(candidate, "start.sh")))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException($"No tools/emulators/start.sh above {AppContext.BaseDirectory}.");
    }

    private static int[] FreeLoopbackPorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(listener => listener.Start());
            return listeners.Select(listener => ((IPEndPoint)listener.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            listeners.ForEach(listener => listener.Stop());
        }
    }
}
