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
/// a delivery becomes one JSON-lines batch, stored and handed to ExperimentAggregation with the delivery's client.
/// </summary>
public sealed class ExperimentEventsFunctionTests : IClassFixture<ShellServices>
{
    private readonly ServiceProvider _services;

    public ExperimentEventsFunctionTests(ShellServices shell) => _services = shell.Provider;

    private static EventData Message(string json, long sequence) =>
        EventHubsModelFactory.EventData(new BinaryData(json), sequenceNumber: sequence, offsetString: (sequence * 100).ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task A_delivery_starts_one_aggregation_named_after_the_batch_with_its_partition_and_sequences_as_source()
    {
        var client = new Mock<DurableTaskClient>(MockBehavior.Strict, "test");
        ExperimentBatchInput? started = null;
        string? instanceId = null;
        client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.Is<TaskName>(n => n.Name == ExperimentAggregationOrchestrator.Name),
                It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .Callback((TaskName _, object? input, StartOrchestrationOptions? options, CancellationToken _) =>
            {
                started = (ExperimentBatchInput)input!;
                instanceId = options!.InstanceId;
            })
            .ReturnsAsync(() => instanceId!);
        using var scope = _services.CreateScope();
        var function = ActivatorUtilities.CreateInstance<ExperimentEventsFunction>(scope.ServiceProvider);
        var events = new[]
        {
            Message("""{"eventId":"e1","experimentId":"checkout-button","variant":"control","userId":"u1","type":"exposure","timestamp":"2026-01-05T00:00:00Z"}""", 120),
            Message("""{"eventId":"e2","experimentId":"checkout-button","variant":"control","userId":"u1","type":"conversion","timestamp":"2026-01-05T00:01:00Z"}""", 121),
        };

        var submission = await function.HandleAsync(events, client.Object, "3", "delivery-1", CancellationToken.None);

        Assert.NotNull(submission);
        Assert.Equal(2, submission.Records);
        Assert.Equal(submission.InstanceId, instanceId);
        Assert.Equal("event hubs partition 3, sequence 120-121 (delivery delivery-1)", started!.Source);
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
