using System.Text.Json;
using Azure.Messaging.EventHubs;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace Serverless.Functions.Functions.EventHubs;

// Compiled only with the Event Hubs worker extension (EventHubsTrigger in the project file): every publish.
public sealed partial class ExperimentEventsFunction
{
    [Function(Name)]
    public Task Run(
        [EventHubTrigger("%EventHubName%", ConsumerGroup = "%EventHubConsumerGroup%", Connection = "EventHubs", IsBatched = true)] EventData[] events,
        [DurableClient] DurableTaskClient client,
        FunctionContext context) =>
        HandleAsync(events, client, PartitionId(context), context.InvocationId, context.CancellationToken);

    /// <summary>The partition of the delivery, from the trigger's PartitionContext binding data (JSON), when present.</summary>
    private static string? PartitionId(FunctionContext context)
    {
        if (!context.BindingContext.BindingData.TryGetValue("PartitionContext", out var value) || value is not string json) return null;
        using var document = JsonDocument.Parse(json);
        return document.RootElement.TryGetProperty("PartitionId", out var id) ? id.GetString() : null;
    }
}
