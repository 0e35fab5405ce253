using System.Text;
using Azure.Messaging.EventHubs;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serverless.Workflows.Experiments;

namespace Serverless.Functions.Functions.EventHubs;

/// <summary>
/// A/B events from Event Hubs. Each delivery is one batch (one JSON event per message), handed as JSON lines to
/// the same <see cref="EventIngestion"/> as <c>POST /api/events</c> and the JSONL replay: it validates and stores
/// the batch under its content identity and starts ExperimentAggregation with an instance id derived from it, so
/// a delivery Event Hubs repeats (at-least-once) is applied once. The partition and sequence range go into the
/// batch's source, so a quarantined line can be traced back to its message.
/// </summary>
/// <remarks>
/// The trigger's binding lives in ExperimentEventsFunction.Trigger.cs, compiled where the Event Hubs worker
/// extension is available (every publish); this body is compiled and tested everywhere.
/// </remarks>
public sealed partial class ExperimentEventsFunction(IServiceProvider services, ILogger<ExperimentEventsFunction> logger)
{
    public const string Name = "ExperimentEventsFromEventHubs";

    public async Task<BatchSubmission?> HandleAsync(IReadOnlyList<EventData> events, DurableTaskClient client, string? partitionId,
        string deliveryId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(client);
        if (events.Count == 0) return null;
        var body = new StringBuilder();
        foreach (var e in events)
        {
            if (body.Length > 0) body.Append('\n');
            body.Append(e.EventBody.ToString().ReplaceLineEndings(" "));
        }
        var ingestion = ActivatorUtilities.CreateInstance<EventIngestion>(services, client);
        try
        {
            var submission = await ingestion.SubmitAsync(Encoding.UTF8.GetBytes(body.ToString()), BatchFormats.JsonLines,
                Source(events, partitionId, deliveryId), cancellationToken: cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Event Hubs batch of {Events} events: {Accepted} accepted, {Quarantined} quarantined, instance {InstanceId}{Duplicate}",
                events.Count, submission.Accepted, submission.Quarantined, submission.InstanceId, submission.Duplicate ? " (already submitted)" : "");
            return submission;
        }
        catch (EmptyBatchException)
        {
            logger.LogWarning("Event Hubs delivery {DeliveryId} held no events", deliveryId);
            return null;
        }
    }

    /// <summary>"event hubs partition 3, sequence 120-219 (delivery ...)": where the batch's lines came from.</summary>
    internal static string Source(IReadOnlyList<EventData> events, string? partitionId, string deliveryId)
    {
        var partition = string.IsNullOrEmpty(partitionId) ? "" : $"partition {partitionId}, ";
        return $"event hubs {partition}sequence {events.Min(e => e.SequenceNumber)}-{events.Max(e => e.SequenceNumber)} (delivery {deliveryId})";
    }
}
