using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Serverless.Cli.Tests;

/// <summary>
/// <c>serverless host</c> as a user starts it: a separate process on a free port, which prints its
/// address and a generated key once; the key opens the API, and a run started over HTTP completes.
/// </summary>
public sealed class HostCommandTests : IDisposable
{
    private readonly CliProcess _cli = new();

    [Fact]
    public async Task The_host_prints_its_address_and_a_key_that_opens_the_API()
    {
        using var host = CliProcess.Start(_cli.WorkingDirectory, "host", "--port", "0", "--no-schedules");
        try
        {
            var lines = new List<string>();
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            string? address = null, key = null, adminKey = null, previous = null;
            var listening = new List<string>();
            while (address is null || key is null || adminKey is null || listening.Count == 0)
            {
                var line = await host.StandardOutput.ReadLineAsync(deadline.Token)
                    ?? throw new InvalidOperationException("the host exited early: " + string.Join('\n', lines) + await host.StandardError.ReadToEndAsync());
                lines.Add(line);
                if (previous is not null && previous.StartsWith("Generated a function key", StringComparison.Ordinal)) key = line.Trim();
                if (previous is not null && previous.StartsWith("Generated an admin key", StringComparison.Ordinal)) adminKey = line.Trim();
                if (line.StartsWith("serverless host on ", StringComparison.Ordinal)) address = line["serverless host on ".Length..].Split(' ')[0];
                if (line.StartsWith("listening on ", StringComparison.Ordinal)) listening.Add(line["listening on ".Length..]);
                previous = line;
            }
            Assert.Equal([address], listening);

            using var http = new HttpClient { BaseAddress = new Uri(address) };
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("healthz", deadline.Token)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("api/workflows", deadline.Token)).StatusCode);

            http.DefaultRequestHeaders.Add("x-functions-key", key);
            var start = await http.PostAsync("api/workflows/DemoApproval?instanceId=from-http",
                new StringContent("""{"items":3,"timerSeconds":0}""", Encoding.UTF8, "application/json"), deadline.Token);
            Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
            // Raising an event steers the instance: the function key is refused, the admin key may.
            using var raiseWithFunctionKey = await http.PostAsync("api/workflows/from-http/events/Approval",
                new StringContent("""{"approved":true}""", Encoding.UTF8, "application/json"), deadline.Token);
            Assert.Equal(HttpStatusCode.Forbidden, raiseWithFunctionKey.StatusCode);
            using var raise = new HttpRequestMessage(HttpMethod.Post, "api/workflows/from-http/events/Approval")
            {
                Content = new StringContent("""{"approved":true}""", Encoding.UTF8, "application/json"),
            };
            raise.Headers.Add("x-functions-key", adminKey);
            Assert.Equal(HttpStatusCode.Accepted, (await http.SendAsync(raise, deadline.Token)).StatusCode);

            string status;
            do
            {
                // The real signal: the instance's status, polled until the deadline.
                using var document = JsonDocument.Parse(await http.GetStringAsync("api/workflows/from-http", deadline.Token));
                status = document.RootElement.GetProperty("runtimeStatus").GetString()!;
                if (status != "Completed") await Task.Delay(100, deadline.Token);
            }
            while (status != "Completed");
        }
        finally
        {
            host.Kill(entireProcessTree: true);
            await host.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task A_listener_beyond_this_machine_from_appsettings_stops_the_host_with_one_line()
    {
        File.WriteAllText(Path.Combine(_cli.WorkingDirectory, "appsettings.json"), """{ "Kestrel": { "Endpoints": { "Http": { "Url": "http://0.0.0.0:7093" } } } }""");

        var result = await _cli.RunAsync("host", "--port", "0", "--no-schedules");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: Kestrel:Endpoints:Http:Url = 'http://0.0.0.0:7093' would listen beyond this machine", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }

    [Fact]
    public async Task A_database_path_that_cannot_be_created_is_one_line()
    {
        var result = await _cli.RunAsync("host", "--port", "0", "--no-schedules", "--db", "/proc/x.db");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: The engine database /proc/x.db cannot be created or opened", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }

    public void Dispose() => _cli.Dispose();
}
