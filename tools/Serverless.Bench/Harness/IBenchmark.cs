namespace Serverless.Bench.Harness;

/// <summary>
/// One named benchmark scenario. Implementations are discovered by reflection, so adding a
/// benchmark is adding a class; each area keeps its scenarios in its own folder.
/// </summary>
public interface IBenchmark
{
    /// <summary>Name used on the command line, for example <c>engine-fanout</c>.</summary>
    string Name { get; }

    /// <summary>One line saying what is measured and against what.</summary>
    string Description { get; }

    /// <summary>Runs the scenario and returns its figures, including the same-run comparison.</summary>
    Task<BenchmarkReport> RunAsync(BenchmarkContext context, CancellationToken cancellationToken);
}
