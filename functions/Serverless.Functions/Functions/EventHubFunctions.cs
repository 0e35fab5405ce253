using System.Text;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serverless.Functions.Adapters;
using Serverless.Workflows.Experiments;
using DurableTaskRegistry = Serverless.Durable.DurableTaskRegistry;

namespace Serverless.Functions.Functions;

/// <summary>
/// A/B events from Event Hubs. Each delivery is one batch (one JSON event per message), handed as JSON lines to
/// the same <see cref="EventIngestion"/> as <c>POST /api/events</c> and the JSONL replay: it validates and stores
/// the batch and hands it to the experiment shards' aggregators; a batch Event Hubs delivers twice (at-least-once) is
/// counted once (by its identity, and by each event's eventId). When applying lags beyond its bound the trigger waits and
/// submits again: Event Hubs is pulled, so waiting here is the backpressure.
/// </summary>
public sealed class EventHubFunctions(DurableTaskRegistry registry, ILogger<EventHubFunctions> logger)
{
    [Function("ExperimentEventsFromEventHubs")]
    public async Task ExperimentEvents(
        [EventHubTrigger("%EventHubName%", ConsumerGroup = "%EventHubConsumerGroup%", Connection = "EventHubs", IsBatched = true)] string[] events,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(context);
        if (events.Length == 0) return;
        var body = Encoding.UTF8.GetBytes(string.Join('\n', events.Select(e => e.ReplaceLineEndings(" "))));
        var ingestion = ActivatorUtilities.CreateInstance<EventIngestion>(context.InstanceServices, new DurableClientAdapter(client, registry));
        try
        {
            BatchSubmission submission;
            while (true)
            {
                try
                {
                    submission = await ingestion.SubmitAsync(body, BatchFormats.JsonLines, $"event hubs delivery {context.InvocationId}",
                        cancellationToken: context.CancellationToken);
                    break;
                }
                catch (IngestionBackpressureException ex)
                {
                    await Task.Delay(ex.RetryAfter, context.CancellationToken);
                }
            }
            logger.LogInformation("Event Hubs batch of {Events} events: {Accepted} accepted, {Quarantined} quarantined, pending for {Aggregators}{Duplicate}",
                events.Length, submission.Accepted, submission.Quarantined, string.Join(", ", submission.Aggregators), submission.Duplicate ? " (already submitted)" : "");
        }
        catch (EmptyBatchException)
        {
            logger.LogWarning("Event Hubs delivery {InvocationId} held no events", context.InvocationId);
        }
    }
}
