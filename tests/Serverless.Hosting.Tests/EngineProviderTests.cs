using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Durable.AzureStorage;
using Serverless.Hosting.Composition;
using Serverless.Testing;

namespace Serverless.Hosting.Tests;

/// <summary>
/// <c>Serverless:Engine:Provider</c>: the local host runs the same workflows on the real Durable Task runtime and its
/// Azure Storage backend (Azurite here) as on the embedded engine, behind the same API.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class EngineProviderTests(EmulatorFixture emulators)
{
    [Fact]
    public async Task The_host_runs_a_workflow_on_the_azure_storage_provider_through_the_same_api()
    {
        var hub = "hosttest" + Guid.NewGuid().ToString("N")[..12];
        var host = await TestHost.StartAsync(configure: options =>
        {
            options.Settings["Serverless:Engine:Provider"] = "AzureStorage";
            options.Settings["Serverless:Engine:AzureStorage:ConnectionString"] = emulators.StorageConnectionString;
            options.Settings["Serverless:Engine:AzureStorage:TaskHubName"] = hub;
            options.Settings["Serverless:Engine:AzureStorage:PartitionCount"] = "1";
            options.Settings["Serverless:Engine:AzureStorage:MaxQueuePollingInterval"] = "00:00:00.500";
        });
        try
        {
            var engine = host.Host.Services.GetRequiredService<EngineDescription>();
            Assert.Equal(EngineProvider.AzureStorage, engine.Provider);
            Assert.Contains($"task hub '{hub}'", engine.Location);

            using var start = await host.Http.PostAsync("api/workflows/DemoApproval?instanceId=real-1",
                TestHost.JsonBody("""{ "items": 3, "timerSeconds": 1, "approvalTimeoutMinutes": 5 }"""));
            Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
            await host.WaitForStatusAsync("real-1", s => TestHost.IsWaitingFor(s, "Approval"));
            using var approve = await host.Admin.PostAsync("api/workflows/real-1/events/Approval", TestHost.JsonBody("""{ "approved": true, "by": "Sato" }"""));
            Assert.Equal(HttpStatusCode.Accepted, approve.StatusCode);

            var final = await host.WaitForStatusAsync("real-1", s => TestHost.RuntimeStatus(s) == "Completed");
            var output = final.GetProperty("output");
            Assert.Equal(1 + 4 + 9, output.GetProperty("total").GetInt64());
            Assert.True(output.GetProperty("published").GetBoolean());
            using var history = await host.Http.GetAsync("api/workflows/real-1/history");
            Assert.Equal(HttpStatusCode.OK, history.StatusCode);
            var steps = (await history.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("steps");
            Assert.Contains(steps.EnumerateArray(), s => s.GetProperty("name").GetString() == "DemoSquare");
        }
        finally
        {
            // The task hub goes after the host: its partition manager still uses the hub's tables while it stops.
            var taskHub = host.Host.Services.GetRequiredService<AzureStorageTaskHub>();
            await host.DisposeAsync();
            await taskHub.Service.DeleteAsync();
        }
    }

    [Fact]
    public void An_unknown_provider_is_refused_naming_the_setting_and_the_choices()
    {
        var error = Assert.Throws<InvalidOperationException>(() => EngineProviders.Parse("Sqlite"));
        Assert.Equal("Serverless:Engine:Provider = 'Sqlite' is not an engine; choose Embedded or AzureStorage.", error.Message);
        Assert.Equal(EngineProvider.AzureStorage, EngineProviders.Parse("azurestorage"));
        Assert.Equal(EngineProvider.Embedded, EngineProviders.Parse(null));
    }
}
