using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.DurableTask.Client;
using Serverless.Durable;
using Serverless.Hosting.LocalHost;

namespace Serverless.Hosting.Tests;

/// <summary>What a caller sees when something goes wrong: a JSON error with the real status, logged with that status.</summary>
public sealed class FailureTests
{
    private static async Task<string> ErrorOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString()!;

    /// <summary>A body of unknown length: sent chunked, so only reading it can find it too large.</summary>
    private sealed class ChunkedContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Theory]
    [InlineData("api/workflows/DemoApproval", false)]
    [InlineData("api/workflows/DemoApproval", true)]
    [InlineData("api/workflows/any/events/Approval", false)]
    [InlineData("api/workflows/any/events/Approval", true)]
    [InlineData("api/experiments/any", true)]
    public async Task A_body_over_the_configured_limit_is_413_with_a_json_error_and_logged_as_413(string path, bool chunked)
    {
        var logs = new LogCapture();
        await using var host = await TestHost.StartAsync(configure: o =>
        {
            o.Settings["Serverless:Api:MaxBodyBytes"] = "4096";
            o.ConfigureLogging = logging => logging.AddProvider(logs);
        });
        var bytes = Encoding.UTF8.GetBytes("{ \"items\": 3, \"pad\": \"" + new string('x', 8192) + "\" }");
        HttpContent content = chunked ? new ChunkedContent(bytes) : new ByteArrayContent(bytes);
        content.Headers.ContentType = new("application/json");
        var method = path.StartsWith("api/experiments", StringComparison.Ordinal) ? HttpMethod.Put : HttpMethod.Post;

        using var response = await host.Admin.SendAsync(new HttpRequestMessage(method, path) { Content = content });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("larger than", await ErrorOf(response));
        Assert.Empty((await host.Client.QueryInstancesAsync(new OrchestrationQuery())).Instances);
        Assert.Contains(logs.Lines, l => l.Contains($"HTTP {method.Method} /{path} -> 413", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_event_route_takes_batches_up_to_its_own_larger_limit()
    {
        await using var host = await TestHost.StartAsync(configure: o =>
        {
            o.Settings["Serverless:Api:MaxBodyBytes"] = "1024";
            o.Settings["Serverless:Api:MaxEventBatchBytes"] = "65536";
        });
        var line = """{"eventId":"e{0}","experiment":"nope","variant":"a","user":"u","type":"exposure","timestamp":"2026-11-02T00:00:00Z"}""";
        var batch = string.Join('\n', Enumerable.Range(0, 40).Select(i => line.Replace("{0}", i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        var tooBig = string.Join('\n', Enumerable.Range(0, 800).Select(i => line.Replace("{0}", i.ToString(System.Globalization.CultureInfo.InvariantCulture))));

        using var accepted = await host.Http.PostAsync("api/events", new StringContent(batch, Encoding.UTF8, "application/x-ndjson"));
        using var refused = await host.Http.PostAsync("api/events", new StringContent(tooBig, Encoding.UTF8, "application/x-ndjson"));

        Assert.True(batch.Length > 1024);
        Assert.NotEqual(HttpStatusCode.RequestEntityTooLarge, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Contains("65536", await ErrorOf(refused));
    }

    [Fact]
    public async Task A_damaged_document_store_is_a_json_500_naming_it_logged_as_500_and_health_says_so()
    {
        var logs = new LogCapture();
        await using var host = await TestHost.StartAsync(configure: o => o.ConfigureLogging = logging => logging.AddProvider(logs));
        using (var healthy = await host.Anonymous.GetAsync("healthz")) Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        using (var before = await host.Http.GetAsync("api/recommendations")) Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        var documents = Path.Combine(host.Folder, ".data", "documents.db");
        SqliteConnection.ClearAllPools();
        await using (var file = new FileStream(documents, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            file.Write(Encoding.ASCII.GetBytes(new string('x', 4096)));
        }
        SqliteConnection.ClearAllPools();

        using var response = await host.Http.GetAsync("api/recommendations");
        using var health = await host.Anonymous.GetAsync("healthz");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("not a SQLite database", await ErrorOf(response));
        Assert.Contains(logs.Lines, l => l.Contains("HTTP GET /api/recommendations -> 500", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        var body = await health.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("documents", body.GetProperty("status").GetString());
        Assert.Equal("ok", body.GetProperty("checks").GetProperty("engine").GetString());
        Assert.NotEqual("ok", body.GetProperty("checks").GetProperty("documents").GetString());
    }

    [Fact]
    public async Task An_engine_database_locked_by_another_process_is_a_json_503()
    {
        await using var host = await TestHost.StartAsync(configure: o =>
        {
            var engine = o.ConfigureEngine;
            o.ConfigureEngine = e =>
            {
                engine?.Invoke(e);
                e.BusyTimeout = TimeSpan.FromSeconds(1);
            };
        });
        await using var other = new SqliteConnection($"Data Source={host.Host.DatabasePath};Pooling=False");
        await other.OpenAsync();
        await using (var begin = other.CreateCommand())
        {
            begin.CommandText = "BEGIN EXCLUSIVE";
            await begin.ExecuteNonQueryAsync();
        }

        using var response = await host.Http.PostAsync("api/workflows/DemoApproval", TestHost.JsonBody("{}"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("locked by another process", await ErrorOf(response));
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task State_is_private_to_the_user_and_keys_come_as_a_function_key_and_an_admin_key()
    {
        if (OperatingSystem.IsWindows()) return;
        var folder = TestHost.CreateFolder();
        try
        {
            var output = new StringWriter();
            await using (var host = await TestHost.StartAsync(folder, o => o.KeyOutput = output, withKey: false))
            {
                await host.Client.ScheduleNewOrchestrationInstanceAsync("DemoApproval", new Workflows.Demo.DemoInput(1, 0));
                var data = Path.Combine(folder, ".data");
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(data));
                foreach (var file in new[] { "engine.db", "host.keys" })
                {
                    Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, file)));
                }
                foreach (var wal in Directory.GetFiles(data, "engine.db-*"))
                {
                    Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(wal));
                }

                Assert.NotNull(host.Host.GeneratedKey);
                Assert.NotNull(host.Host.GeneratedAdminKey);
                Assert.Contains(host.Host.GeneratedAdminKey!, output.ToString());
                using var request = new HttpRequestMessage(HttpMethod.Post, "api/workflows/none/terminate");
                request.Headers.Add("x-functions-key", host.Host.GeneratedAdminKey);
                Assert.Equal(HttpStatusCode.NotFound, (await host.Anonymous.SendAsync(request)).StatusCode);
            }

            // A keys file from before admin keys gets one, printed once.
            var keys = Path.Combine(folder, ".data", "host.keys");
            File.WriteAllText(keys, "old-function-key-0123456789\n");
            var again = new StringWriter();
            await using (var host = await TestHost.StartAsync(folder, o => o.KeyOutput = again, withKey: false))
            {
                Assert.Null(host.Host.GeneratedKey);
                Assert.NotNull(host.Host.GeneratedAdminKey);
                Assert.Contains("admin " + host.Host.GeneratedAdminKey, File.ReadAllText(keys));
            }
        }
        finally
        {
            TestHost.TryDelete(folder);
        }
    }

    [Fact]
    public async Task Unfinished_blob_writes_left_by_a_killed_process_are_removed_at_start_and_fresh_ones_kept()
    {
        var folder = TestHost.CreateFolder();
        try
        {
            var blobs = Directory.CreateDirectory(Path.Combine(folder, ".data", "blobs", "datasets")).FullName;
            var old = Path.Combine(blobs, ".partial-0123456789abcdef");
            var fresh = Path.Combine(blobs, ".partial-fedcba9876543210");
            File.WriteAllText(old, "half a blob");
            File.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddHours(-2));
            File.WriteAllText(fresh, "being written");

            await using var host = await TestHost.StartAsync(folder);

            Assert.False(File.Exists(old));
            Assert.True(File.Exists(fresh));
        }
        finally
        {
            TestHost.TryDelete(folder);
        }
    }

    [Theory]
    [InlineData("http://0.0.0.0:7093")]
    [InlineData("http://*:7093")]
    [InlineData("http://[::]:7093")]
    [InlineData("http://example.org:7093")]
    public void A_configured_listener_beyond_this_machine_stops_the_start_naming_the_setting(string url)
    {
        var options = new LocalHostOptions { BaseDirectory = TestHost.CreateFolder(), Port = 0, EnableSchedules = false, KeyOutput = TextWriter.Null };
        options.Settings["Serverless:Host:Keys"] = TestHost.Key;
        options.Settings["Kestrel:Endpoints:Http:Url"] = url;
        try
        {
            var error = Assert.Throws<InvalidOperationException>(() => ServerlessLocalHost.Create(options));

            Assert.Contains("Kestrel:Endpoints:Http:Url", error.Message);
            Assert.Contains("Serverless:Host:AllowRemote", error.Message);
        }
        finally
        {
            TestHost.TryDelete(options.BaseDirectory);
        }
    }

    [Fact]
    public async Task Every_address_listened_on_is_reported_including_configured_endpoints()
    {
        await using var host = await TestHost.StartAsync(configure: o => o.Settings["Kestrel:Endpoints:Extra:Url"] = "http://127.0.0.1:0");

        Assert.Equal(2, host.Host.Addresses.Count);
        Assert.All(host.Host.Addresses, a => Assert.True(a.IsLoopback, a.ToString()));
    }
}
