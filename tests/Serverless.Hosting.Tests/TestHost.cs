using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Hosting.LocalHost;

namespace Serverless.Hosting.Tests;

/// <summary>
/// A real local host on Kestrel (127.0.0.1, a free port) over a file database in a temporary folder,
/// with one known key, and an HTTP client that sends it.
/// </summary>
internal sealed class TestHost : IAsyncDisposable
{
    public const string Key = "test-key-0123456789abcdef";
    public const string AdminKey = "test-admin-key-0123456789abcdef";

    private TestHost(ServerlessLocalHost host, string folder, bool ownsFolder)
    {
        Host = host;
        Folder = folder;
        OwnsFolder = ownsFolder;
        Http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        Http.DefaultRequestHeaders.Add("x-functions-key", Key);
        Anonymous = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        Admin = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        Admin.DefaultRequestHeaders.Add("x-functions-key", AdminKey);
    }

    public ServerlessLocalHost Host { get; }

    public string Folder { get; }

    private bool OwnsFolder { get; }

    /// <summary>Sends the key.</summary>
    public HttpClient Http { get; }

    /// <summary>Sends no key.</summary>
    public HttpClient Anonymous { get; }

    /// <summary>Sends the admin key (terminate, purge, raise events, suspend, resume, definitions).</summary>
    public HttpClient Admin { get; }

    public DurableTaskClient Client => Host.Services.GetRequiredService<DurableTaskClient>();

    public static string CreateFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "serverless-host-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Starts a host in <paramref name="folder"/> (a new temporary one when null; deleted on dispose).</summary>
    public static async Task<TestHost> StartAsync(string? folder = null, Action<LocalHostOptions>? configure = null,
        bool withKey = true)
    {
        var owns = folder is null;
        folder ??= CreateFolder();
        var options = new LocalHostOptions
        {
            Port = 0,
            BaseDirectory = folder,
            EnableSchedules = false,
            KeyOutput = TextWriter.Null,
            ConfigureLogging = logging => logging.SetMinimumLevel(LogLevel.Warning),
            ConfigureEngine = engine => engine.PollInterval = TimeSpan.FromMilliseconds(50),
        };
        if (withKey)
        {
            options.Settings["Serverless:Host:Keys"] = Key;
            options.Settings["Serverless:Host:AdminKeys"] = AdminKey;
        }
        configure?.Invoke(options);
        var host = ServerlessLocalHost.Create(options);
        await host.StartAsync();
        return new TestHost(host, folder, owns);
    }

    /// <summary>Waits (with a deadline) until the instance satisfies <paramref name="done"/>, reading its status over HTTP.</summary>
    public async Task<JsonElement> WaitForStatusAsync(string instanceId, Func<JsonElement, bool> done, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            var status = await Http.GetFromJsonAsync<JsonElement>($"api/workflows/{Uri.EscapeDataString(instanceId)}", cts.Token);
            if (done(status)) return status;
            await Task.Delay(delay, cts.Token);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
        }
    }

    public static bool IsWaitingFor(JsonElement status, string eventName) =>
        status.TryGetProperty("customStatus", out var custom) && custom.ValueKind == JsonValueKind.Object
        && custom.TryGetProperty("waitingFor", out var waiting) && waiting.GetString() == eventName;

    public static string RuntimeStatus(JsonElement status) => status.GetProperty("runtimeStatus").GetString()!;

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Anonymous.Dispose();
        Admin.Dispose();
        await Host.StopAsync();
        await Host.DisposeAsync();
        if (OwnsFolder) TryDelete(Folder);
    }

    public static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public static StringContent JsonBody(string json) => new(json, new MediaTypeHeaderValue("application/json"));
}
