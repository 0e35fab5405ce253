using System.Text.Json;
using Serverless.Testing;

namespace Serverless.Cli.Tests;

/// <summary>
/// The CLI on the real Durable Task runtime: with <c>Serverless:Engine:Provider = AzureStorage</c> in the working
/// folder's appsettings.json, the same commands start, follow, steer and inspect instances on a task hub in Azurite.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class AzureStorageProviderCommandTests : IDisposable
{
    private readonly CliProcess _cli = new();

    public AzureStorageProviderCommandTests(EmulatorFixture emulators)
    {
        var settings = new Dictionary<string, object>
        {
            ["Serverless"] = new Dictionary<string, object>
            {
                ["Engine"] = new Dictionary<string, object>
                {
                    ["Provider"] = "AzureStorage",
                    ["AzureStorage"] = new Dictionary<string, object>
                    {
                        ["ConnectionString"] = emulators.StorageConnectionString,
                        ["TaskHubName"] = "cli" + Guid.NewGuid().ToString("N")[..16],
                        ["PartitionCount"] = 1,
                        ["MaxQueuePollingInterval"] = "00:00:00.500",
                    },
                },
            },
        };
        File.WriteAllText(Path.Combine(_cli.WorkingDirectory, "appsettings.json"), JsonSerializer.Serialize(settings));
    }

    [Fact]
    public async Task Start_follows_to_the_approval_then_raise_completes_and_status_and_history_show_it()
    {
        var start = await _cli.RunAsync("workflows", "start", "DemoApproval", "--input", """{"items":3,"timerSeconds":1}""", "--id", "real-cli-1");
        Assert.True(start.ExitCode == 0, start.Error);
        Assert.Contains("started real-cli-1", start.Output);
        Assert.Contains("waiting for Approval", start.Output);

        var raise = await _cli.RunAsync("workflows", "raise", "real-cli-1", "Approval", "--data", """{"approved":true,"by":"ops"}""");
        Assert.True(raise.ExitCode == 0, raise.Error);
        Assert.Contains("Completed", raise.Output);

        var status = await _cli.RunAsync("workflows", "status", "real-cli-1");
        Assert.Contains("Completed", status.Output);
        Assert.Contains("14", status.Output); // 1 + 4 + 9
        var history = await _cli.RunAsync("workflows", "history", "real-cli-1");
        Assert.Contains("DemoSquare", history.Output);
        Assert.Contains("TimerFired", history.Output);
    }

    public void Dispose() => _cli.Dispose();
}
