using Serverless.Experiments.Aggregation;
using Serverless.Experiments.Allocation;
using Serverless.Experiments.Assignment;
using Serverless.Experiments.Definitions;
using Serverless.Experiments.Events;

namespace Serverless.Experiments.Tests;

/// <summary>
/// Drives an experiment the way production does: users arrive, are assigned on the weights in force, are exposed and
/// convert with a true rate per variant; their events go through the JSONL parser into the aggregate.
/// </summary>
internal sealed class Simulation
{
    private readonly ExperimentDefinition _definition;
    private readonly ExperimentCatalog _catalog;
    private readonly double[] _trueRates;
    private readonly Random _random;
    private int _nextUser;

    public Simulation(ExperimentDefinition definition, double[] trueRates, int seed)
    {
        _definition = definition;
        _catalog = new ExperimentCatalog([definition]);
        _trueRates = trueRates;
        _random = new Random(seed);
        Aggregate = ExperimentAggregate.Create(definition);
    }

    public ExperimentAggregate Aggregate { get; }

    /// <summary>New users arrive from <paramref name="from"/> on, one per second; returns their events' batch.</summary>
    public EventBatch Round(int users, AllocationWeights weights, DateTimeOffset from)
    {
        var lines = new List<string>(users * 2);
        for (var i = 0; i < users; i++)
        {
            var user = $"user-{_nextUser++}";
            var at = from.AddSeconds(i);
            var variant = VariantAssigner.Assign(_definition, user, weights, null, at).VariantId;
            lines.Add(Fixtures.Event($"{user}-x", _definition.Id, variant, user, "exposure", at));
            if (_random.NextDouble() < _trueRates[_definition.IndexOfVariant(variant)])
            {
                lines.Add(Fixtures.Event($"{user}-c", _definition.Id, variant, user, "conversion", at.AddSeconds(0.5), 20));
            }
        }
        var batch = Fixtures.ParseLines(_catalog, lines);
        Aggregate.Apply(batch);
        return batch;
    }
}
