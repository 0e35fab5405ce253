using Serverless.Durable.Differential;
using Xunit.Abstractions;

namespace Serverless.Durable.Tests.Differential;

/// <summary>
/// Random orchestration programs (seeded) run on the embedded engine and on the real Durable Task runtime; final
/// status, output, failure details and custom status must agree. Every failure names the seed: reproduce with
/// <c>DiffGenerator.Generate(seed)</c> or <c>run differential --set first=SEED --set programs=1</c> in the bench.
/// </summary>
public sealed class DifferentialTests(ITestOutputHelper output) : IDisposable
{
    private const int FirstSeed = 1;
    private static readonly int Programs = int.TryParse(Environment.GetEnvironmentVariable("DIFFERENTIAL_PROGRAMS"), out var n) ? n : 300;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "serverless-differential-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public void The_generator_is_deterministic_and_covers_every_feature()
    {
        var options = new GeneratorOptions();
        Assert.Equal(DiffGenerator.Generate(42, options).Describe(), DiffGenerator.Generate(42, options).Describe());
        var programs = Enumerable.Range(FirstSeed, Programs).Select(s => DiffGenerator.Generate(s, options)).ToList();
        var steps = programs.SelectMany(Flatten).ToList();
        foreach (var kind in Enum.GetValues<StepKind>()) Assert.Contains(steps, s => s.Kind == kind);
        foreach (var mode in Enum.GetValues<EventMode>()) Assert.Contains(steps, s => s.Kind == StepKind.WaitEvent && s.Mode == mode);
        Assert.Contains(steps, s => s.MaxAttempts > 0 && s.FailTimes < s.MaxAttempts && s.FailTimes > 0);
        Assert.Contains(steps, s => s.MaxAttempts > 0 && s.FailTimes == DiffInterpreter.Always);
        Assert.Contains(steps, s => s.MaxAttempts > 0 && s.FailTimes == DiffInterpreter.Always && s.Catch);
        Assert.Contains(steps, s => s.FailTimes > 0 && s.Catch);
        Assert.Contains(steps, s => s.FailTimes > 0 && !s.Catch);
        Assert.Contains(programs, p => p.Rounds.Count > 1);
        // The paths of the defects fixed in issue 12 §4 stay covered: large payloads cross instances both ways.
        Assert.Contains(steps, s => s.Kind == StepKind.SubOrchestration && s.Sub!.InputPadChars > 0);
        Assert.Contains(steps, s => s.Kind == StepKind.WaitEvent && s.PayloadChars > 0);
    }

    [Fact]
    public async Task Random_programs_give_the_same_result_on_the_embedded_engine_and_the_real_runtime()
    {
        var summary = await DiffComparison.RunAsync(_folder, Seeds(), new GeneratorOptions(),
            parallelism: 40, perProgram: TimeSpan.FromSeconds(150));
        output.WriteLine($"{summary.Programs} programs in {summary.Elapsed.TotalSeconds:F1} s (program time: real {summary.RealProgramTime.TotalSeconds:F0} s, embedded {summary.EmbeddedProgramTime.TotalSeconds:F0} s); outcomes: " +
            string.Join(", ", summary.Outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key} {o.Value}")));
        foreach (var m in summary.Mismatches) output.WriteLine(m.Describe());
        foreach (var e in summary.Errors) output.WriteLine(e);
        Assert.True(summary.Errors.Count == 0, "programs that did not finish:\n" + string.Join("\n", summary.Errors));
        Assert.True(summary.Mismatches.Count == 0,
            $"{summary.Mismatches.Count} programs differ:\n" + string.Join("\n", summary.Mismatches.Take(5).Select(m => m.Describe())));
        // The programs exercise both successful and failing outcomes.
        Assert.Contains(summary.Outcomes.Keys, k => k == "Completed");
        Assert.Contains(summary.Outcomes.Keys, k => k.StartsWith("Failed", StringComparison.Ordinal));
    }

    /// <summary>DIFFERENTIAL_SEEDS=3,17 reruns chosen seeds; otherwise the first <see cref="Programs"/> seeds.</summary>
    private static IEnumerable<int> Seeds() =>
        Environment.GetEnvironmentVariable("DIFFERENTIAL_SEEDS") is { Length: > 0 } list
            ? list.Split(',').Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture))
            : Enumerable.Range(FirstSeed, Programs);

    internal static IEnumerable<Step> Flatten(DiffProgram program) =>
        program.Rounds.SelectMany(r => r).SelectMany(s => s.Sub is null ? [s] : Flatten(s.Sub).Prepend(s));

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
