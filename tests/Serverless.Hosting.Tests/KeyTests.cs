using System.Net;
using Microsoft.Extensions.Configuration;
using Serverless.Hosting.LocalHost;
using Serverless.Hosting.Security;

namespace Serverless.Hosting.Tests;

public sealed class KeyTests
{
    [Fact]
    public async Task Without_configured_keys_the_first_start_generates_one_prints_it_once_and_keeps_it_private()
    {
        var folder = TestHost.CreateFolder();
        try
        {
            var firstOutput = new StringWriter();
            string key;
            await using (var first = await TestHost.StartAsync(folder, o => o.KeyOutput = firstOutput, withKey: false))
            {
                key = first.Host.GeneratedKey!;
                Assert.NotNull(key);
                Assert.True(key.Length >= 40);
                Assert.Contains(key, firstOutput.ToString());
                var file = Path.Combine(folder, ".data", "host.keys");
                Assert.Equal(file, first.Host.Keys.Source);
                if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
                Assert.Contains(key, File.ReadAllText(file));

                using var request = new HttpRequestMessage(HttpMethod.Get, "api/workflows");
                request.Headers.Add("x-functions-key", key);
                Assert.Equal(HttpStatusCode.OK, (await first.Anonymous.SendAsync(request)).StatusCode);
            }

            var secondOutput = new StringWriter();
            await using var second = await TestHost.StartAsync(folder, o => o.KeyOutput = secondOutput, withKey: false);
            Assert.Null(second.Host.GeneratedKey);
            Assert.DoesNotContain(key, secondOutput.ToString());
            Assert.Equal(HttpStatusCode.OK, (await second.Anonymous.GetAsync($"api/workflows?code={Uri.EscapeDataString(key)}")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await second.Anonymous.GetAsync("api/workflows?code=" + key[..^1])).StatusCode);
        }
        finally
        {
            TestHost.TryDelete(folder);
        }
    }

    [Fact]
    public async Task Configured_keys_are_used_and_no_file_is_written()
    {
        await using var host = await TestHost.StartAsync(configure: o => o.Settings["Serverless:Host:Keys"] = "first-key-000000000000, second-key-11111111111");

        Assert.Equal(2, host.Host.Keys.Count);
        Assert.Null(host.Host.GeneratedKey);
        Assert.False(File.Exists(Path.Combine(host.Folder, ".data", "host.keys")));
        foreach (var key in new[] { "first-key-000000000000", "second-key-11111111111" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/workflows");
            request.Headers.Add("x-functions-key", key);
            Assert.Equal(HttpStatusCode.OK, (await host.Anonymous.SendAsync(request)).StatusCode);
        }
    }

    [Fact]
    public void A_short_configured_key_is_refused_naming_the_setting()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Serverless:Host:Keys:0"] = "short",
        }).Build();

        var error = Assert.Throws<InvalidOperationException>(() => FunctionKeys.FromConfiguration(configuration));
        Assert.StartsWith("Serverless:Host:Keys", error.Message);
        Assert.DoesNotContain("short", error.Message.Replace("characters", ""));
    }

    [Theory]
    [InlineData("0123456789abcdef-key", true)]
    [InlineData("0123456789abcdef-ke", false)]
    [InlineData("0123456789abcdef-key ", false)]
    [InlineData("0123456789ABCDEF-KEY", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Keys_match_exactly(string? presented, bool valid)
    {
        var keys = new FunctionKeys(["0123456789abcdef-key", "another-key-0123456789"], "test");
        Assert.Equal(valid, keys.IsValid(presented));
    }

    [Fact]
    public void Generated_keys_differ()
    {
        var keys = Enumerable.Range(0, 100).Select(_ => FunctionKeys.Generate()).ToHashSet();
        Assert.Equal(100, keys.Count);
        Assert.All(keys, k => Assert.Matches("^[A-Za-z0-9_-]{43}$", k));
    }
}
