using Azure.Messaging.EventHubs;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using Serverless.Functions.Functions.EventHubs;
using Serverless.Workflows.Experiments;

namespace Serverless.Functions.Tests;

/// <summary>
/// The Event Hubs trigger's body (compiled here; the trigger binding is compiled where the extension is served):
/// a delivery becomes one JSON-lines batch, stored as pending parts of its experiment's shards, whose aggregators
/// are started or woken with the delivery's client.
/// </summary>
public sealed class ExperimentEventsFunctionTests : IClassFixture<ShellServices>
{
    private readonly ServiceProvider _services;

    public ExperimentEventsFunctionTests(ShellServices shell) => _services = shell.Provider;

    private static EventData Message(string json, long sequence) =>
        EventHubsModelFactory.EventData(new BinaryData(json), sequenceNumber: sequence,
            offsetString: (sequence * 100).ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task A_delivery_is_stored_for_its_experiment_and_starts_the_shards_aggregator()
    {
        var client = new Mock<DurableTaskClient>(MockBehavior.Strict, "test");
        var aggregator = ExperimentKeys.AggregatorInstanceId("ranker-2026", 0);
        client.Setup(c => c.GetInstanceAsync(aggregator, false, It.IsAny<CancellationToken>())).ReturnsAsync((OrchestrationMetadata?)null);
        AggregatorInput? started = null;
        client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.Is<TaskName>(n => n.Name == ExperimentAggregationOrchestrator.Name),
                It.IsAny<object?>(), It.Is<StartOrchestrationOptions?>(o => o!.InstanceId == aggregator), It.IsAny<CancellationToken>()))
            .Callback((TaskName _, object? input, StartOrchestrationOptions? _, CancellationToken _) => started = (AggregatorInput)input!)
            .ReturnsAsync(aggregator);
        using var scope = _services.CreateScope();
        var function = ActivatorUtilities.CreateInstance<ExperimentEventsFunction>(scope.ServiceProvider);
        var events = new[]
        {
            Message("""{"eventId":"e1","experiment":"ranker-2026","variant":"als-v1","user":"u1","type":"exposure","timestamp":"2026-01-05T00:00:00Z"}""", 120),
            Message("""{"eventId":"e2","experiment":"ranker-2026","variant":"als-v1","user":"u1","type":"conversion","timestamp":"2026-01-05T00:01:00Z"}""", 121),
        };

        var submission = await function.HandleAsync(events, client.Object, "3", "delivery-1", CancellationToken.None);

        Assert.NotNull(submission);
        Assert.Equal(2, submission.Records);
        Assert.True(submission.Accepted == 2, string.Join(", ", submission.QuarantinedByReason.Select(r => $"{r.Key}: {r.Value}")));
        Assert.Equal([aggregator], submission.Aggregators);
        Assert.Equal(new AggregatorInput("ranker-2026", 0, started!.IdlePollInterval), started);
        Assert.Equal("event hubs partition 3, sequence 120-121 (delivery delivery-1)", ExperimentEventsFunction.Source(events, "3", "delivery-1"));
    }

    [Fact]
    public async Task An_empty_delivery_starts_nothing()
    {
        var client = new Mock<DurableTaskClient>(MockBehavior.Strict, "test");
        using var scope = _services.CreateScope();
        var function = ActivatorUtilities.CreateInstance<ExperimentEventsFunction>(scope.ServiceProvider);

        Assert.Null(await function.HandleAsync([], client.Object, "0", "delivery-2", CancellationToken.None));
    }
}
