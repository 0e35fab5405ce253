using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Serverless.Durable;

namespace Serverless.Hosting.Tests;

/// <summary>The /api/workflows routes and the function keys, over HTTP against a real host.</summary>
public sealed class HttpApiTests : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static readonly string DemoInput = """{ "items": 3, "timerSeconds": 0, "approvalTimeoutMinutes": 60 }""";

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key-0123456789abcdef")]
    [InlineData("test-key-0123456789abcdeF")]
    public async Task Start_without_a_valid_key_is_401_and_starts_nothing(string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/workflows/DemoApproval?instanceId=refused") { Content = TestHost.JsonBody(DemoInput) };
        if (key is not null) request.Headers.Add("x-functions-key", key);

        using var response = await _host.Anonymous.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(key is null ? "required" : "not valid", body.GetProperty("error").GetString());
        Assert.Null(await _host.Client.GetInstanceAsync("refused", true));
        var all = await _host.Client.QueryInstancesAsync(new OrchestrationQuery());
        Assert.Empty(all.Instances);
    }

    [Theory]
    [InlineData("GET", "api/workflows")]
    [InlineData("GET", "api/workflows/any")]
    [InlineData("GET", "api/workflows/any/history")]
    [InlineData("POST", "api/workflows/any/events/Approval")]
    [InlineData("POST", "api/workflows/any/terminate")]
    [InlineData("DELETE", "api/workflows/any")]
    [InlineData("GET", "api/not-a-route")]
    public async Task Every_api_route_needs_a_key(string method, string path)
    {
        using var response = await _host.Anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task The_key_also_works_as_the_code_query_parameter_and_health_needs_none()
    {
        using var withCode = await _host.Anonymous.GetAsync($"api/workflows?code={TestHost.Key}");
        Assert.Equal(HttpStatusCode.OK, withCode.StatusCode);

        using var health = await _host.Anonymous.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok", (await health.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Start_answers_202_with_status_urls_that_work_through_to_completion()
    {
        using var response = await _host.Http.PostAsync("api/workflows/DemoApproval", TestHost.JsonBody(DemoInput));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var links = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = links.GetProperty("id").GetString()!;
        var statusUri = links.GetProperty("statusQueryGetUri").GetString()!;
        Assert.Equal(statusUri, response.Headers.Location!.ToString());
        Assert.StartsWith(_host.Host.BaseAddress.ToString(), statusUri);
        Assert.EndsWith($"/api/workflows/{id}", statusUri);
        Assert.Equal(statusUri + "/events/{eventName}", links.GetProperty("sendEventPostUri").GetString());
        Assert.Equal(statusUri + "/terminate?reason={text}", links.GetProperty("terminatePostUri").GetString());
        Assert.Equal(statusUri, links.GetProperty("purgeHistoryDeleteUri").GetString());

        var waiting = await _host.WaitForStatusAsync(id, s => TestHost.IsWaitingFor(s, "Approval"));
        Assert.Equal("Running", TestHost.RuntimeStatus(waiting));
        Assert.Equal(3, waiting.GetProperty("input").GetProperty("items").GetInt32());

        var sendEvent = links.GetProperty("sendEventPostUri").GetString()!.Replace("{eventName}", "Approval");
        using var raised = await _host.Admin.PostAsync(sendEvent, TestHost.JsonBody("""{ "approved": true, "by": "ana" }"""));
        Assert.Equal(HttpStatusCode.Accepted, raised.StatusCode);

        await _host.Client.WaitForInstanceCompletionAsync(id).WaitAsync(TimeSpan.FromSeconds(60));
        var done = await _host.Http.GetFromJsonAsync<JsonElement>(statusUri);
        Assert.Equal("Completed", TestHost.RuntimeStatus(done));
        Assert.Equal(14, done.GetProperty("output").GetProperty("total").GetInt64());
        Assert.Equal("approved", done.GetProperty("output").GetProperty("decision").GetString());
        Assert.Equal("ana", done.GetProperty("output").GetProperty("decidedBy").GetString());

        // The history's timeline names the steps in order, the fan-out as one step of three.
        var history = await _host.Http.GetFromJsonAsync<JsonElement>($"api/workflows/{id}/history");
        var steps = history.GetProperty("steps").EnumerateArray().ToList();
        var square = steps.Single(s => s.GetProperty("name").GetString() == "DemoSquare");
        Assert.Equal(3, square.GetProperty("count").GetInt32());
        Assert.Equal("completed", square.GetProperty("outcome").GetString());
        Assert.Contains(steps, s => s.GetProperty("kind").GetString() == "event" && s.GetProperty("name").GetString() == "Approval");
        // The zero-second timer fired; the approval's timeout timer was not needed once the event came.
        Assert.Equal(["fired", "not needed"], steps.Where(s => s.GetProperty("kind").GetString() == "timer").Select(s => s.GetProperty("outcome").GetString()));
        Assert.Equal("completed", steps[^1].GetProperty("outcome").GetString());
        Assert.True(history.GetProperty("events").GetArrayLength() > steps.Count);

        // Purge through the purge URL, then the instance is gone.
        using var purged = await _host.Admin.DeleteAsync(links.GetProperty("purgeHistoryDeleteUri").GetString());
        Assert.Equal(HttpStatusCode.OK, purged.StatusCode);
        using var gone = await _host.Http.GetAsync(statusUri);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Start_with_an_instance_id_uses_it_and_a_second_start_is_a_conflict()
    {
        using var first = await _host.Http.PostAsync("api/workflows/demoapproval?instanceId=order-42", TestHost.JsonBody(DemoInput));
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal("order-42", (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());

        using var second = await _host.Http.PostAsync("api/workflows/DemoApproval?instanceId=order-42", TestHost.JsonBody(DemoInput));
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Contains("order-42", await second.Content.ReadAsStringAsync());

        using var terminated = await _host.Admin.PostAsync("api/workflows/order-42/terminate?reason=test", null);
        Assert.Equal(HttpStatusCode.Accepted, terminated.StatusCode);
        var final = await _host.Client.WaitForInstanceCompletionAsync("order-42", true).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, final.RuntimeStatus);

        // A finished instance takes no more events.
        using var late = await _host.Admin.PostAsync("api/workflows/order-42/events/Approval", TestHost.JsonBody("""{ "approved": true }"""));
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
    }

    [Theory]
    [InlineData("GET", "api/workflows/no-such-run")]
    [InlineData("GET", "api/workflows/no-such-run/history")]
    [InlineData("POST", "api/workflows/no-such-run/events/Approval")]
    [InlineData("POST", "api/workflows/no-such-run/terminate")]
    [InlineData("DELETE", "api/workflows/no-such-run")]
    public async Task Unknown_instance_is_404_with_a_clear_message(string method, string path)
    {
        using var response = await _host.Admin.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = TestHost.JsonBody("{}") });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString();
        Assert.Contains("'no-such-run'", error);
    }

    [Fact]
    public async Task Malformed_json_is_400_naming_where_it_breaks_and_starts_nothing()
    {
        using var response = await _host.Http.PostAsync("api/workflows/DemoApproval", TestHost.JsonBody("{ \"items\": 3,\n  \"timerSeconds\": }"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString();
        Assert.Contains("not valid JSON", error);
        Assert.Contains("line 2", error);
        Assert.Empty((await _host.Client.QueryInstancesAsync(new OrchestrationQuery())).Instances);
    }

    [Fact]
    public async Task Malformed_event_json_is_400_and_the_run_keeps_waiting()
    {
        var id = await _host.Client.ScheduleNewOrchestrationInstanceAsync("DemoApproval", JsonDocument.Parse(DemoInput).RootElement);
        await _host.WaitForStatusAsync(id, s => TestHost.IsWaitingFor(s, "Approval"));

        using var response = await _host.Admin.PostAsync($"api/workflows/{id}/events/Approval", TestHost.JsonBody("{ approved: yes }"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var status = await _host.Http.GetFromJsonAsync<JsonElement>($"api/workflows/{id}");
        Assert.True(TestHost.IsWaitingFor(status, "Approval"));
    }

    [Fact]
    public async Task An_instance_id_that_cannot_appear_in_a_url_is_400()
    {
        using var response = await _host.Http.PostAsync($"api/workflows/DemoApproval?instanceId={Uri.EscapeDataString("a/b")}", TestHost.JsonBody(DemoInput));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'a/b'", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Empty((await _host.Client.QueryInstancesAsync(new OrchestrationQuery())).Instances);
    }

    [Fact]
    public async Task Unknown_workflow_is_400_listing_the_known_ones()
    {
        using var response = await _host.Http.PostAsync("api/workflows/NoSuchWorkflow", TestHost.JsonBody("{}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString();
        Assert.Contains("'NoSuchWorkflow'", error);
        Assert.Contains("DemoApproval", error);
    }

    [Fact]
    public async Task An_input_the_workflow_cannot_read_is_400()
    {
        using var response = await _host.Http.PostAsync("api/workflows/DemoApproval", TestHost.JsonBody("""{ "items": "many" }"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("DemoApproval", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task List_filters_by_status_and_name_and_rejects_unknown_statuses()
    {
        var running = await _host.Client.ScheduleNewOrchestrationInstanceAsync("DemoApproval", JsonDocument.Parse(DemoInput).RootElement,
            new StartOrchestrationOptions("list-running"));
        await _host.WaitForStatusAsync(running, s => TestHost.IsWaitingFor(s, "Approval"));
        await _host.Client.ScheduleNewOrchestrationInstanceAsync("DemoApproval", JsonDocument.Parse(DemoInput).RootElement,
            new StartOrchestrationOptions("list-terminated"));
        await _host.Client.TerminateInstanceAsync("list-terminated");
        await _host.Client.WaitForInstanceCompletionAsync("list-terminated").WaitAsync(TimeSpan.FromSeconds(60));

        var onlyRunning = await _host.Http.GetFromJsonAsync<JsonElement>("api/workflows?status=running");
        Assert.Equal(["list-running"], onlyRunning.GetProperty("instances").EnumerateArray().Select(i => i.GetProperty("instanceId").GetString()));
        var row = onlyRunning.GetProperty("instances")[0];
        Assert.Equal("approval", row.GetProperty("customStatus").GetProperty("step").GetString());

        var both = await _host.Http.GetFromJsonAsync<JsonElement>("api/workflows?status=Running,Terminated&name=DemoApproval");
        Assert.Equal(2, both.GetProperty("instances").GetArrayLength());
        var none = await _host.Http.GetFromJsonAsync<JsonElement>("api/workflows?name=Other");
        Assert.Equal(0, none.GetProperty("instances").GetArrayLength());
        var future = await _host.Http.GetFromJsonAsync<JsonElement>($"api/workflows?from={DateTime.UtcNow.AddDays(1):yyyy-MM-dd}");
        Assert.Equal(0, future.GetProperty("instances").GetArrayLength());

        using var bad = await _host.Http.GetAsync("api/workflows?status=Sleeping");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("Sleeping", await bad.Content.ReadAsStringAsync());
        using var badDate = await _host.Http.GetAsync("api/workflows?from=yesterday");
        Assert.Equal(HttpStatusCode.BadRequest, badDate.StatusCode);
    }
}
