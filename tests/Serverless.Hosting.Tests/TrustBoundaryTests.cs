using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.DurableTask.Client;
using Serverless.Durable;

namespace Serverless.Hosting.Tests;

/// <summary>The probes of a host exposed to key holders: what a key can start, which paths an input can read, which key steers.</summary>
public sealed class TrustBoundaryTests
{
    [Theory]
    [InlineData("TrainingJob")]
    [InlineData("trainingjob")]
    [InlineData("ExperimentAggregation")]
    public async Task A_sub_orchestration_cannot_be_started_over_HTTP_so_no_command_from_a_body_runs(string workflow)
    {
        await using var host = await TestHost.StartAsync(configure: o => o.Settings["Serverless:Training:Mode"] = "Local");
        var marker = Path.Combine(host.Folder, "ran.txt");
        var body = $$"""{ "spec": { "name": "x", "command": "sh", "arguments": ["-c", "id > {{marker}}"], "timeout": "00:01:00" } }""";

        foreach (var client in new[] { host.Http, host.Admin })
        {
            using var response = await client.PostAsync($"api/workflows/{workflow}", TestHost.JsonBody(body));

            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString();
            Assert.Contains("only as a step of another workflow", error);
            Assert.Contains("DemoApproval, WeeklyForecast, RecommendationRefresh", error);
        }
        Assert.Empty((await host.Client.QueryInstancesAsync(new OrchestrationQuery())).Instances);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task A_public_workflow_refuses_fields_it_does_not_take()
    {
        await using var host = await TestHost.StartAsync();

        using var response = await host.Http.PostAsync("api/workflows/WeeklyForecast",
            TestHost.JsonBody("""{ "runDate": "2025-04-07", "spec": { "command": "sh" } }"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("spec", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Empty((await host.Client.QueryInstancesAsync(new OrchestrationQuery())).Instances);
    }

    [Theory]
    [InlineData("/proc/self/environ")]
    [InlineData("/dev/zero")]
    [InlineData("../.data/host.keys")]
    [InlineData("/etc/passwd")]
    [InlineData("/etc/no-such-file")]
    public async Task A_config_path_outside_the_input_folder_is_refused_at_the_door_without_reading_it(string path)
    {
        await using var host = await TestHost.StartAsync(withKey: false, configure: o =>
        {
            o.Settings["Serverless:Host:Keys"] = TestHost.Key;
            o.Settings["Serverless:Host:AdminKeys"] = TestHost.AdminKey;
        });

        using var response = await host.Http.PostAsync("api/workflows/WeeklyForecast", TestHost.JsonBody(JsonSerializer.Serialize(new { configPath = path })));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString()!;
        Assert.Contains($"configPath '{path}' is refused", error);
        Assert.DoesNotContain("invalid start", error);
        Assert.DoesNotContain("exist", error.Replace("no-such-file", ""));
        Assert.Empty((await host.Client.QueryInstancesAsync(new OrchestrationQuery())).Instances);
    }

    [Fact]
    public async Task A_fifo_in_the_input_folder_fails_the_run_at_once_and_other_runs_go_on()
    {
        if (!OperatingSystem.IsLinux()) return;
        await using var host = await TestHost.StartAsync();
        Directory.CreateDirectory(Path.Combine(host.Folder, "inputs"));
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", Path.Combine(host.Folder, "inputs", "pipe.json"))) await mkfifo.WaitForExitAsync();

        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var start = await host.Http.PostAsync($"api/workflows/WeeklyForecast?instanceId=fifo-{i}", TestHost.JsonBody("""{ "configPath": "pipe.json" }"""));
            Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
            ids.Add($"fifo-{i}");
        }
        foreach (var id in ids)
        {
            var done = await host.Client.WaitForInstanceCompletionAsync(id).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
            Assert.Contains("only regular files", done.FailureDetails!.ErrorMessage);
        }
        using var demo = await host.Http.PostAsync("api/workflows/DemoApproval", TestHost.JsonBody("""{ "items": 2, "timerSeconds": 0 }"""));
        var demoId = (await demo.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await host.WaitForStatusAsync(demoId, s => TestHost.IsWaitingFor(s, "Approval"));
    }

    [Theory]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("a\nb")]
    [InlineData("with space")]
    public async Task An_instance_id_that_could_not_be_reached_afterwards_is_refused(string id)
    {
        await using var host = await TestHost.StartAsync();

        using var response = await host.Http.PostAsync($"api/workflows/DemoApproval?instanceId={Uri.EscapeDataString(id)}", TestHost.JsonBody("{}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("is not valid", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Empty((await host.Client.QueryInstancesAsync(new OrchestrationQuery())).Instances);
    }

    [Fact]
    public async Task A_too_long_instance_id_is_refused_with_one_line()
    {
        await using var host = await TestHost.StartAsync();

        using var start = await host.Http.PostAsync($"api/workflows/DemoApproval?instanceId={new string('a', 300)}", TestHost.JsonBody("{}"));
        using var status = await host.Http.GetAsync($"api/workflows/{new string('a', 300)}");

        Assert.Equal(HttpStatusCode.BadRequest, start.StatusCode);
        Assert.Contains("at most 100", await start.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, status.StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    public async Task An_empty_input_starts_the_workflow_with_its_defaults(string body)
    {
        await using var host = await TestHost.StartAsync();

        using var response = await host.Http.PostAsync("api/workflows/DemoApproval?instanceId=defaults", TestHost.JsonBody(body));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var waiting = await host.WaitForStatusAsync("defaults", s => TestHost.IsWaitingFor(s, "Approval") || TestHost.RuntimeStatus(s) == "Failed");
        Assert.Equal("Running", TestHost.RuntimeStatus(waiting));
        Assert.Equal(10, waiting.GetProperty("input").GetProperty("items").GetInt32());
    }

    [Theory]
    [InlineData("POST", "api/workflows/{0}/terminate")]
    [InlineData("POST", "api/workflows/{0}/suspend")]
    [InlineData("POST", "api/workflows/{0}/resume")]
    [InlineData("POST", "api/workflows/{0}/events/Approval")]
    [InlineData("DELETE", "api/workflows/{0}")]
    [InlineData("PUT", "api/experiments/{0}")]
    public async Task Steering_needs_the_admin_key_and_a_function_key_is_403(string method, string route)
    {
        await using var host = await TestHost.StartAsync();
        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("DemoApproval", new Workflows.Demo.DemoInput(2, 0));
        await host.WaitForStatusAsync(id, s => TestHost.IsWaitingFor(s, "Approval"));
        var path = string.Format(System.Globalization.CultureInfo.InvariantCulture, route, id);

        using var withFunctionKey = await host.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = TestHost.JsonBody("""{ "approved": true }""") });
        using var withAdminKey = await host.Admin.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = TestHost.JsonBody("""{ "approved": true }""") });

        Assert.Equal(HttpStatusCode.Forbidden, withFunctionKey.StatusCode);
        Assert.Contains("admin key", (await withFunctionKey.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.NotEqual(HttpStatusCode.Forbidden, withAdminKey.StatusCode);
        Assert.NotEqual(HttpStatusCode.Unauthorized, withAdminKey.StatusCode);
    }

    [Fact]
    public async Task Reading_starting_and_submitting_events_need_only_a_function_key()
    {
        await using var host = await TestHost.StartAsync();

        using var start = await host.Http.PostAsync("api/workflows/DemoApproval?instanceId=fk", TestHost.JsonBody("{}"));
        using var list = await host.Http.GetAsync("api/workflows");
        using var events = await host.Http.PostAsync("api/events", TestHost.JsonBody("[]"));

        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.NotEqual(HttpStatusCode.Forbidden, events.StatusCode);
        Assert.NotEqual(HttpStatusCode.Unauthorized, events.StatusCode);
    }

    [Fact]
    public async Task Wrong_keys_are_limited_per_address_and_then_even_a_right_key_waits()
    {
        await using var host = await TestHost.StartAsync(configure: o =>
        {
            o.Settings["Serverless:Host:WrongKeyLimit"] = "3";
            o.Settings["Serverless:Host:WrongKeyWindow"] = "01:00:00";
        });

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var guess = await host.Anonymous.GetAsync($"api/workflows?code=guess-{i}-0123456789abcdef");
            statuses.Add(guess.StatusCode);
        }
        using var right = await host.Http.GetAsync("api/workflows");

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
        Assert.True(right.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Contains("Too many", (await right.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }
}
