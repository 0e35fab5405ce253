using Serverless.Durable.Differential;
using Xunit.Abstractions;
using Serverless.Testing;

namespace Serverless.Durable.Tests.Differential;

/// <summary>
/// Generated programs run in a child process on the embedded engine, which is killed (SIGKILL) once a seed-chosen
/// number of history events has been committed, then started again: every program must finish with the result of
/// an uninterrupted run. Each failure names the case seed.
/// </summary>
public sealed class DifferentialCrashTests(ITestOutputHelper output) : IDisposable
{
    private const int ProgramsPerCase = 8;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "serverless-differential-crash", Guid.NewGuid().ToString("N"));

    [Theory]
    [InlineData(7001)]
    [InlineData(7002)]
    [InlineData(7003)]
    [InlineData(7004)]
    [InlineData(7005)]
    [InlineData(7006)]
    public async Task Programs_killed_at_a_random_commit_finish_as_if_never_interrupted(int caseSeed)
    {
        var outcome = await DiffCrashRun.RunCaseAsync(_folder, HostDll(), caseSeed, ProgramsPerCase, new GeneratorOptions());
        output.WriteLine(outcome.Summary);
        Assert.True(outcome.Problems.Count == 0, $"case seed {caseSeed}: " + outcome.Summary + "\n" + string.Join("\n", outcome.Problems));
    }

    private static string HostDll()
    {
        var hostDll = BuiltAssembly.PathOf("tests/Serverless.Durable.CrashHost", "Serverless.Durable.CrashHost");
        Assert.True(File.Exists(hostDll), $"crash host not built at {hostDll}");
        return hostDll;
    }

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
