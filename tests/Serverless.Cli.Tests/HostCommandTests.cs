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
            string? address = null, key = null, previous = null;
            while (address is null || key is null)
            {
                var line = await host.StandardOutput.ReadLineAsync(deadline.Token)
                    ?? throw new InvalidOperationException("the host exited early: " + string.Join('\n', lines) + await host.StandardError.ReadToEndAsync());
                lines.Add(line);
                if (previous is not null && previous.StartsWith("Generated a function key", StringComparison.Ordinal)) key = line.Trim();
                if (line.StartsWith("serverless host on ", StringComparison.Ordinal)) address = line["serverless host on ".Length..].Split(' ')[0];
                previous = line;
            }

            using var http = new HttpClient { BaseAddress = new Uri(address) };
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("healthz", deadline.Token)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("api/workflows", deadline.Token)).StatusCode);

            http.DefaultRequestHeaders.Add("x-functions-key", key);
            var start = await http.PostAsync("api/workflows/DemoApproval?instanceId=from-http",
                new StringContent("""{"items":3,"timerSeconds":0}""", Encoding.UTF8, "application/json"), deadline.Token);
            Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
            await http.PostAsync("api/workflows/from-http/events/Approval",
                new StringContent("""{"approved":true}""", Encoding.UTF8, "application/json"), deadline.Token);

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

    public void Dispose() => _cli.Dispose();
}
