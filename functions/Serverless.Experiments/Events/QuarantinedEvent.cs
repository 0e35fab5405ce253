namespace Serverless.Experiments.Events;

public enum QuarantineReason
{
    /// <summary>The record is not valid JSON or not a JSON object.</summary>
    MalformedJson,
    MissingField,
    /// <summary>A field has the wrong JSON type, is empty, too long, or out of range.</summary>
    InvalidField,
    UnknownType,
    UnknownExperiment,
    UnknownVariant,
    /// <summary>The timestamp is before the experiment's start or at/after its stop.</summary>
    OutsideExperimentWindow,
    NonFiniteValue,
    /// <summary>The timestamp is further in the future than the allowed clock skew.</summary>
    TimestampInFuture,
    /// <summary>The eventId was counted before with other content.</summary>
    EventIdReused,
    /// <summary>The event is older than the dedupe horizon: it could not be checked against the events counted before.</summary>
    BeyondDedupeHorizon,
}

/// <summary>
/// A record that was set aside, with why. <see cref="LineNumber"/> is set for JSONL and JSON-array input,
/// <see cref="SequenceNumber"/> for Event Hubs messages; <see cref="Raw"/> holds the record (cut at 1,000 characters).
/// </summary>
public sealed record QuarantinedEvent(
    int RecordIndex, int? LineNumber, long? SequenceNumber, string? EventId, QuarantineReason Reason, string? Field, string Message, string Raw);

/// <summary>
/// Thrown when a JSON-array body is not valid JSON as a whole: no record boundary can be trusted then,
/// so the whole batch is refused (an HTTP 400) rather than partly applied.
/// </summary>
public sealed class EventBatchFormatException : Exception
{
    public EventBatchFormatException(string source, long? line, long? bytePositionInLine, string message, Exception? inner = null)
        : base($"{source}{(line is null ? "" : $" line {line}")}{(bytePositionInLine is null ? "" : $", byte {bytePositionInLine}")}: {message}", inner)
    {
        Source = source;
        Line = line;
    }

    public new string Source { get; }

    public long? Line { get; }
}
