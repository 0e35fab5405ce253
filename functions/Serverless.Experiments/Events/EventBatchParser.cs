using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Serverless.Experiments.Events;

/// <summary>
/// Parses and validates event batches: a JSON array (an HTTP body), JSON lines (file replay) or Event Hubs
/// messages. Invalid records are quarantined with the reason and location; the rest of the batch goes on.
/// One instance reuses its buffers across batches and is not thread-safe: use one per thread.
/// </summary>
/// <remarks>
/// Event JSON: <c>{"eventId", "experiment", "variant", "user", "type": "exposure"|"click"|"conversion",
/// "value" (optional finite number), "timestamp" (ISO 8601 with offset, or Unix milliseconds)}</c>.
/// Unknown properties are ignored, so producers can add fields.
/// </remarks>
public sealed class EventBatchParser : IDisposable
{
    /// <summary>Largest accepted |value|; keeps per-user sums in fixed point far from overflow.</summary>
    public const double MaxAbsoluteValue = 1e9;

    /// <summary>Longest accepted id (bytes of UTF-8) for event, user, experiment and variant.</summary>
    public const int MaxIdBytes = 256;

    private const int RawTextLimit = 1000;
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };

    private readonly ExperimentCatalog _catalog;
    private readonly EventBatchBuilder _builder = new();
    private readonly FieldScratch _scratch = new();
    private readonly ContentHasher _hasher = new();
    private readonly long _latestTicks;
    private readonly DateTimeOffset? _latest;

    /// <param name="latestTimestamp">Events stamped after this instant are quarantined (<see cref="QuarantineReason.TimestampInFuture"/>):
    /// the receiving clock plus the producers' allowed skew. Null accepts any timestamp.</param>
    public EventBatchParser(ExperimentCatalog catalog, DateTimeOffset? latestTimestamp = null)
    {
        _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        _latest = latestTimestamp;
        _latestTicks = latestTimestamp?.UtcTicks ?? long.MaxValue;
    }

    /// <summary>
    /// Parses a JSON array of events. A body that is not valid JSON as a whole throws <see cref="EventBatchFormatException"/>
    /// (no record boundary can be trusted); records that are valid JSON but not valid events are quarantined.
    /// </summary>
    public EventBatch ParseJsonArray(ReadOnlySpan<byte> utf8, string sourceName)
    {
        var bom = utf8.Length - SkipByteOrderMark(utf8).Length;
        utf8 = utf8[bom..];
        _builder.Reset(_catalog.Experiments.Count);
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        var lines = new LineCounter(utf8);
        var raw = new RawEvent();
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                throw new EventBatchFormatException(sourceName, 1, null, "expected a JSON array of events");
            }
            var index = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var start = (int)reader.TokenStartIndex;
                var line = lines.LineAt(start);
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    EventRecordReader.ReadObject(ref reader, ref raw, _scratch);
                    var record = utf8[start..(int)reader.BytesConsumed];
                    if (ContentHasher.UsesFields(raw)) _hasher.AppendFields(raw);
                    else _hasher.AppendRaw(record);
                    Validate(ref raw, record, sourceName, index, line, -1, bom + start);
                }
                else
                {
                    reader.Skip();
                    var record = utf8[start..(int)reader.BytesConsumed];
                    _hasher.AppendRaw(record);
                    QuarantineRecord(record, sourceName, index, line, -1, null, QuarantineReason.MalformedJson, null, "the record is not a JSON object");
                }
                _builder.RecordCount++;
                index++;
            }
            // Reading past the array makes the reader reject trailing content.
            reader.Read();
        }
        catch (JsonException ex)
        {
            throw new EventBatchFormatException(sourceName, ex.LineNumber + 1, ex.BytePositionInLine, "malformed JSON: " + ex.Message, ex);
        }
        return _builder.Build(sourceName, BatchIdentity.ForContent(_hasher.Finish()), _catalog);
    }

    /// <summary>
    /// Parses JSON lines, one event per line; blank lines are skipped. A malformed line is quarantined with its
    /// line number (<paramref name="firstLineNumber"/> numbers the first line, for chunks of a larger file).
    /// </summary>
    public EventBatch ParseJsonLines(ReadOnlySpan<byte> utf8, string sourceName, int firstLineNumber = 1)
    {
        var total = utf8.Length;
        utf8 = SkipByteOrderMark(utf8);
        _builder.Reset(_catalog.Experiments.Count);
        var raw = new RawEvent();
        var lineNumber = firstLineNumber - 1;
        var index = 0;
        while (!utf8.IsEmpty)
        {
            lineNumber++;
            var lineStart = total - utf8.Length;
            var newline = utf8.IndexOf((byte)'\n');
            var line = newline < 0 ? utf8 : utf8[..newline];
            utf8 = newline < 0 ? default : utf8[(newline + 1)..];
            var record = line.Trim(" \t\r\n"u8);
            if (record.IsEmpty) continue;
            var recordOffset = lineStart + (line.Length - line.TrimStart(" \t\r\n"u8).Length);

            _builder.RecordCount++;
            if (TryReadSingleObject(record, ref raw, out var error))
            {
                if (ContentHasher.UsesFields(raw)) _hasher.AppendFields(raw);
                else _hasher.AppendRaw(record);
                Validate(ref raw, record, sourceName, index, lineNumber, -1, recordOffset);
            }
            else
            {
                _hasher.AppendRaw(record);
                QuarantineRecord(record, sourceName, index, lineNumber, -1, null, QuarantineReason.MalformedJson, null, error);
            }
            index++;
        }
        return _builder.Build(sourceName, BatchIdentity.ForContent(_hasher.Finish()), _catalog);
    }

    /// <summary>
    /// Parses Event Hubs messages from one partition; each body is one event object or an array of them. The
    /// identity is the partition and the messages' sequence numbers, so a re-delivered or re-cut batch is recognised.
    /// </summary>
    public EventBatch ParseEventHubs(string partitionId, IReadOnlyList<EventHubsMessage> messages, string sourceName = "event hubs")
    {
        ArgumentException.ThrowIfNullOrEmpty(partitionId);
        _builder.Reset(_catalog.Experiments.Count);
        var raw = new RawEvent();
        var index = 0;
        foreach (var message in messages)
        {
            var body = SkipByteOrderMark(message.Body.Span).Trim(" \t\r\n"u8);
            var reader = new Utf8JsonReader(body, ReaderOptions);
            var start = 0;
            try
            {
                reader.Read();
                var isArray = reader.TokenType == JsonTokenType.StartArray;
                if (isArray) reader.Read();
                while (reader.TokenType != JsonTokenType.EndArray)
                {
                    start = (int)reader.TokenStartIndex;
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        EventRecordReader.ReadObject(ref reader, ref raw, _scratch);
                        Validate(ref raw, body[start..(int)reader.BytesConsumed], sourceName, index, null, message.SequenceNumber, -1);
                    }
                    else
                    {
                        reader.Skip();
                        QuarantineRecord(body[start..(int)reader.BytesConsumed], sourceName, index, null, message.SequenceNumber, null,
                            QuarantineReason.MalformedJson, null, "the record is not a JSON object");
                    }
                    index++;
                    _builder.RecordCount++;
                    if (!isArray) break;
                    reader.Read();
                }
                reader.Read();
            }
            catch (JsonException ex)
            {
                // The message is broken from here on; what was read before stays.
                _builder.RecordCount++;
                QuarantineRecord(body[start..], sourceName, index++, null, message.SequenceNumber, null,
                    QuarantineReason.MalformedJson, null, "malformed JSON: " + ex.Message);
            }
        }
        var identity = BatchIdentity.ForEventHubs(partitionId, messages.Select(m => m.SequenceNumber));
        return _builder.Build(sourceName, identity, _catalog);
    }

    /// <summary>
    /// The parse-only ceiling: the same line splitting and record reader as <see cref="ParseJsonLines"/>, without
    /// validation, quarantine, hashing or batch building. Returns how many records were read as objects.
    /// </summary>
    public long ReadJsonLinesOnly(ReadOnlySpan<byte> utf8)
    {
        var raw = new RawEvent();
        long objects = 0;
        while (!utf8.IsEmpty)
        {
            var newline = utf8.IndexOf((byte)'\n');
            var line = newline < 0 ? utf8 : utf8[..newline];
            utf8 = newline < 0 ? default : utf8[(newline + 1)..];
            var record = line.Trim(" \t\r\n"u8);
            if (!record.IsEmpty && TryReadSingleObject(record, ref raw, out _)) objects++;
        }
        return objects;
    }

    public void Dispose() => _hasher.Dispose();

    private bool TryReadSingleObject(ReadOnlySpan<byte> record, ref RawEvent raw, out string? error)
    {
        var reader = new Utf8JsonReader(record, ReaderOptions);
        try
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                error = "the record is not a JSON object";
                return false;
            }
            EventRecordReader.ReadObject(ref reader, ref raw, _scratch);
            reader.Read();
            error = null;
            return true;
        }
        catch (JsonException ex)
        {
            error = "malformed JSON: " + ex.Message;
            return false;
        }
    }

    /// <summary>
    /// Accepts a well-formed event in a few tests; anything else takes <see cref="Reject"/>'s detailed path, which
    /// finds and words the first problem. Kept small so the per-event path stays tight.
    /// </summary>
    private void Validate(ref RawEvent e, ReadOnlySpan<byte> record, string source, int index, int? line, long sequence, int rawOffset)
    {
        if (e.BadField is null && e.HasEventId & e.HasExperiment & e.HasVariant & e.HasUser & e.HasType
            && e.TimestampState == TimestampState.Valid && e.TimestampTicks <= _latestTicks
            && (uint)(e.EventId.Length - 1) < MaxIdBytes && (uint)(e.Experiment.Length - 1) < MaxIdBytes
            && (uint)(e.Variant.Length - 1) < MaxIdBytes && (uint)(e.User.Length - 1) < MaxIdBytes
            && TryParseType(e.Type, out var type)
            && (e.ValueState == ValueState.Absent || (e.ValueState == ValueState.Number && Math.Abs(e.Value) <= MaxAbsoluteValue)))
        {
            var experiment = _catalog.FindExperiment(e.Experiment);
            var variant = experiment < 0 ? -1 : _catalog.FindVariant(experiment, e.Variant);
            if (variant >= 0 && _catalog.IsInWindow(experiment, e.TimestampTicks))
            {
                var hasValue = e.ValueState == ValueState.Number;
                var micros = hasValue ? (long)Math.Round(e.Value * EventBatch.ValueScale, MidpointRounding.ToEven) : 0;
                _builder.Accept(experiment, variant, type, hasValue, micros, e.TimestampTicks, e.User, e.EventId, sequence,
                    line ?? -1, rawOffset, rawOffset < 0 ? 0 : record.Length);
                return;
            }
        }
        Reject(ref e, record, source, index, line, sequence);
    }

    private static bool TryParseType(ReadOnlySpan<byte> text, out EventType type)
    {
        if (text.SequenceEqual("exposure"u8)) type = EventType.Exposure;
        else if (text.SequenceEqual("click"u8)) type = EventType.Click;
        else if (text.SequenceEqual("conversion"u8)) type = EventType.Conversion;
        else
        {
            type = default;
            return false;
        }
        return true;
    }

    /// <summary>Finds the first problem of a record the fast path refused and quarantines it with its reason.</summary>
    private void Reject(ref RawEvent e, ReadOnlySpan<byte> record, string source, int index, int? line, long sequence)
    {
        if (e.BadField is { } badField)
        {
            Quarantine(ref e, record, source, index, line, sequence, QuarantineReason.InvalidField, badField,
                $"'{badField}' must be a string of at most {MaxIdBytes} bytes");
            return;
        }
        if (!(e.HasEventId && e.HasExperiment && e.HasVariant && e.HasUser && e.HasType && e.TimestampState != TimestampState.Absent))
        {
            var missing = new List<string>();
            if (!e.HasEventId) missing.Add("eventId");
            if (!e.HasExperiment) missing.Add("experiment");
            if (!e.HasVariant) missing.Add("variant");
            if (!e.HasUser) missing.Add("user");
            if (!e.HasType) missing.Add("type");
            if (e.TimestampState == TimestampState.Absent) missing.Add("timestamp");
            Quarantine(ref e, record, source, index, line, sequence, QuarantineReason.MissingField, missing[0],
                "missing " + string.Join(", ", missing.Select(m => $"'{m}'")));
            return;
        }
        // One cheap test for the usual case; the detailed checks only run when some id is empty or too long.
        if ((uint)(e.EventId.Length - 1) >= MaxIdBytes || (uint)(e.Experiment.Length - 1) >= MaxIdBytes
            || (uint)(e.Variant.Length - 1) >= MaxIdBytes || (uint)(e.User.Length - 1) >= MaxIdBytes)
        {
            _ = CheckId(ref e, e.EventId, "eventId", record, source, index, line, sequence)
                && CheckId(ref e, e.Experiment, "experiment", record, source, index, line, sequence)
                && CheckId(ref e, e.Variant, "variant", record, source, index, line, sequence)
                && CheckId(ref e, e.User, "user", record, source, index, line, sequence);
            return;
        }

        if (!TryParseType(e.Type, out _))
        {
            Quarantine(ref e, record, source, index, line, sequence, QuarantineReason.UnknownType, "type",
                $"unknown event type '{Text(e.Type)}' (expected exposure, click or conversion)");
            return;
        }

        if (e.TimestampState != TimestampState.Valid)
        {
            Quarantine(ref e, record, source, index, line, sequence, QuarantineReason.InvalidField, "timestamp", e.TimestampState switch
            {
                TimestampState.MissingOffset => "the timestamp has no UTC offset (write 2026-11-23T10:00:00Z or +01:00)",
                TimestampState.WrongType => "the timestamp must be an ISO 8601 string or Unix milliseconds",
                _ => "the timestamp is not a valid ISO 8601 instant or Unix milliseconds",
            });
            return;
        }

        switch (e.ValueState)
        {
            case ValueState.NonFinite:
                Quarantine(ref e, record, source, index, line, sequence, QuarantineReason.NonFiniteValue, "value", "the value is not a finite number");
                return;
            case ValueState.WrongType:
                Quarantine(ref e, record, source, index, line, sequence, QuarantineReason.InvalidField, "value", "the value must be a number or null");
                return;
            case ValueState.Number when !double.IsFinite(e.Value):
                Quarantine(ref e, record, source, index, line, sequence, QuarantineReason.NonFiniteValue, "value", "the value is not a finite number");
                return;
            case ValueState.Number when Math.Abs(e.Value) > MaxAbsoluteValue:
                Quarantine(ref e, record, source, index, line, sequence, QuarantineReason.InvalidField, "value",
                    $"the value {e.Value.ToString(CultureInfo.InvariantCulture)} is beyond ±{MaxAbsoluteValue:0}");
                return;
            case ValueState.Number:
                break;
        }

        if (e.TimestampTicks > _latestTicks)
        {
            Quarantine(ref e, record, source, index, line, sequence, QuarantineReason.TimestampInFuture, "timestamp",
                $"{new DateTimeOffset(e.TimestampTicks, TimeSpan.Zero):O} is later than {_latest!.Value.ToUniversalTime():O}, the receiving clock plus the allowed skew");
            return;
        }

        var experiment = _catalog.FindExperiment(e.Experiment);
        if (experiment < 0)
        {
            Quarantine(ref e, record, source, index, line, sequence, QuarantineReason.UnknownExperiment, "experiment",
                $"unknown experiment '{Text(e.Experiment)}'");
            return;
        }
        var variant = _catalog.FindVariant(experiment, e.Variant);
        if (variant < 0)
        {
            Quarantine(ref e, record, source, index, line, sequence, QuarantineReason.UnknownVariant, "variant",
                $"experiment '{Text(e.Experiment)}' has no variant '{Text(e.Variant)}'");
            return;
        }
        if (!_catalog.IsInWindow(experiment, e.TimestampTicks))
        {
            var definition = _catalog.Experiments[experiment];
            Quarantine(ref e, record, source, index, line, sequence, QuarantineReason.OutsideExperimentWindow, "timestamp",
                $"{new DateTimeOffset(e.TimestampTicks, TimeSpan.Zero):O} is outside experiment '{definition.Id}' " +
                $"({definition.Start:O} to {(definition.Stop is { } stop ? stop.ToString("O", CultureInfo.InvariantCulture) : "open")})");
            return;
        }

        throw new InvalidOperationException($"{source} record {index}: refused by the fast path but no problem found");
    }

    private bool CheckId(ref RawEvent e, ReadOnlySpan<byte> id, string field, ReadOnlySpan<byte> record, string source, int index, int? line, long sequence)
    {
        if (id.IsEmpty)
        {
            Quarantine(ref e, record, source, index, line, sequence, QuarantineReason.InvalidField, field, $"'{field}' is empty");
            return false;
        }
        if (id.Length > MaxIdBytes)
        {
            Quarantine(ref e, record, source, index, line, sequence, QuarantineReason.InvalidField, field, $"'{field}' is longer than {MaxIdBytes} bytes");
            return false;
        }
        return true;
    }

    private void Quarantine(ref RawEvent e, ReadOnlySpan<byte> record, string source, int index, int? line, long sequence,
        QuarantineReason reason, string field, string message)
    {
        var eventId = e.HasEventId && !e.EventId.IsEmpty ? Text(e.EventId) : null;
        QuarantineRecord(record, source, index, line, sequence, eventId, reason, field, message);
    }

    private void QuarantineRecord(ReadOnlySpan<byte> record, string source, int index, int? line, long sequence,
        string? eventId, QuarantineReason reason, string? field, string? message)
    {
        var location = line is not null ? $"{source} line {line}"
            : sequence >= 0 ? $"{source} sequence {sequence}"
            : $"{source} record {index}";
        var text = Text(record.Length > RawTextLimit * 4 ? record[..(RawTextLimit * 4)] : record);
        if (text.Length > RawTextLimit) text = text[..RawTextLimit];
        _builder.Quarantine(new QuarantinedEvent(index, line, sequence >= 0 ? sequence : null, eventId, reason, field,
            $"{location}{(field is null ? "" : $", field '{field}'")}: {message}", text));
    }

    private static string Text(ReadOnlySpan<byte> utf8) => Encoding.UTF8.GetString(utf8);

    private static ReadOnlySpan<byte> SkipByteOrderMark(ReadOnlySpan<byte> utf8) =>
        utf8.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? utf8[3..] : utf8;
}
