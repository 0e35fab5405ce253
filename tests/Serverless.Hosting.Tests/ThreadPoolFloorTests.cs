using Microsoft.Extensions.Configuration;
using Serverless.Hosting.LocalHost;

namespace Serverless.Hosting.Tests;

public sealed class ThreadPoolFloorTests
{
    private static IConfiguration Settings(string? value) => new ConfigurationBuilder()
        .AddInMemoryCollection(value is null ? [] : [new(ThreadPoolFloor.Setting, value)])
        .Build();

    [Fact]
    public void Without_the_setting_the_floor_is_the_default()
    {
        Assert.Equal(ThreadPoolFloor.DefaultWorkerThreads, ThreadPoolFloor.Read(Settings(null)));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("many")]
    [InlineData("5000")]
    public void A_floor_that_is_not_a_small_whole_number_is_refused_naming_the_setting(string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => ThreadPoolFloor.Read(Settings(value)));
        Assert.Contains(ThreadPoolFloor.Setting, error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_floor_raises_the_pools_minimum_and_never_lowers_it()
    {
        ThreadPool.GetMinThreads(out var before, out _);
        var raised = ThreadPoolFloor.Apply(Settings((before + 3).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        ThreadPool.GetMinThreads(out var after, out _);
        Assert.Equal(before + 3, raised);
        Assert.Equal(before + 3, after);

        var kept = ThreadPoolFloor.Apply(Settings("1"));
        ThreadPool.GetMinThreads(out var unchanged, out _);
        Assert.Equal(before + 3, kept);
        Assert.Equal(before + 3, unchanged);
    }
}
