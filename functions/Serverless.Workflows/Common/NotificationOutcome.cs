using System.Text.Json;
using System.Text.Json.Serialization;
using Serverless.Storage.Notifications;

namespace Serverless.Workflows.Common;

/// <summary>
/// What a notify step reports back to its orchestration: the notification's id, and which sinks did not take it and
/// why (never a URL or key). A failed notification does not fail the run: the orchestration shows it in its status
/// and output.
/// </summary>
[JsonConverter(typeof(NotificationOutcomeJsonConverter))]
public sealed record NotificationOutcome(string Id, string Subject, bool Delivered, IReadOnlyList<string> Failures)
{
    public static NotificationOutcome From(string subject, NotificationDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return new(delivery.NotificationId, subject, delivery.Delivered, delivery.Failures.Select(f => $"{f.Channel}: {f.Error}").ToList());
    }

    /// <summary>One line for a status or a report: "'subject' not delivered to ops: HTTP 503 (5 attempts)".</summary>
    public string Describe() => Delivered ? $"'{Subject}' delivered" : $"'{Subject}' not delivered to {string.Join("; ", Failures)}";
}

/// <summary>
/// Reads the outcome as written today and as the notify step answered before (a bare <c>true</c>), so a run waiting
/// for its review across the deploy that brought outcomes still replays its history.
/// </summary>
internal sealed class NotificationOutcomeJsonConverter : JsonConverter<NotificationOutcome>
{
    public override NotificationOutcome? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.True or JsonTokenType.False:
                return new NotificationOutcome("", "", reader.GetBoolean(), []);
            case JsonTokenType.Null:
                return null;
            default:
                var shape = JsonSerializer.Deserialize<Shape>(ref reader, options);
                return shape is null ? null : new NotificationOutcome(shape.Id ?? "", shape.Subject ?? "", shape.Delivered, shape.Failures ?? []);
        }
    }

    public override void Write(Utf8JsonWriter writer, NotificationOutcome value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, new Shape(value.Id, value.Subject, value.Delivered, value.Failures), options);

    private sealed record Shape(string? Id, string? Subject, bool Delivered, IReadOnlyList<string>? Failures);
}
