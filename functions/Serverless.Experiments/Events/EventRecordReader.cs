using System.Text.Json;

namespace Serverless.Experiments.Events;

internal enum ValueState : byte { Absent, Number, NonFinite, WrongType }

internal enum TimestampState : byte { Absent, Valid, Invalid, MissingOffset, WrongType }

/// <summary>
/// The fields of one event record as read from JSON, before any validation. String fields are unescaped UTF-8
/// spans into the input (or into scratch space when the JSON escaped them): nothing here allocates.
/// </summary>
internal ref struct RawEvent
{
    public ReadOnlySpan<byte> EventId;
    public ReadOnlySpan<byte> Experiment;
    public ReadOnlySpan<byte> Variant;
    public ReadOnlySpan<byte> User;
    public ReadOnlySpan<byte> Type;
    public bool HasEventId, HasExperiment, HasVariant, HasUser, HasType;
    public ValueState ValueState;
    public double Value;
    public TimestampState TimestampState;
    public long TimestampTicks;

    /// <summary>First field whose JSON type was wrong (or too long to hold), if any.</summary>
    public string? BadField;
}

/// <summary>Reusable space for unescaping string fields; reset per record.</summary>
internal sealed class FieldScratch
{
    private readonly byte[] _buffer = new byte[4096];
    private int _used;

    public void Reset() => _used = 0;

    public bool TryTake(int length, out Span<byte> space)
    {
        if (_used + length > _buffer.Length)
        {
            space = default;
            return false;
        }
        space = _buffer.AsSpan(_used, length);
        _used += length;
        return true;
    }
}

/// <summary>
/// Reads one event object with <see cref="Utf8JsonReader"/>. This is the whole JSON parse: the parse-only
/// benchmark runs exactly this over every record, the full path adds validation and aggregation.
/// </summary>
internal static class EventRecordReader
{
    private static readonly long UnixEpochTicks = DateTimeOffset.UnixEpoch.UtcTicks;
    private static readonly long MaxUnixMilliseconds = (DateTimeOffset.MaxValue.UtcTicks - UnixEpochTicks) / TimeSpan.TicksPerMillisecond;
    private static readonly long MinUnixMilliseconds = (DateTimeOffset.MinValue.UtcTicks - UnixEpochTicks) / TimeSpan.TicksPerMillisecond;

    /// <summary>
    /// Reads the object the reader stands on (its <see cref="JsonTokenType.StartObject"/>) through its end.
    /// Throws <see cref="JsonException"/> for malformed JSON; wrong field types land in <see cref="RawEvent.BadField"/>.
    /// </summary>
    public static void ReadObject(ref Utf8JsonReader reader, ref RawEvent e, FieldScratch scratch)
    {
        scratch.Reset();
        e = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = Identify(ref reader);
            reader.Read();
            switch (field)
            {
                case Field.EventId: e.EventId = ReadString(ref reader, ref e, scratch, "eventId", out e.HasEventId); break;
                case Field.Experiment: e.Experiment = ReadString(ref reader, ref e, scratch, "experiment", out e.HasExperiment); break;
                case Field.Variant: e.Variant = ReadString(ref reader, ref e, scratch, "variant", out e.HasVariant); break;
                case Field.User: e.User = ReadString(ref reader, ref e, scratch, "user", out e.HasUser); break;
                case Field.Type: e.Type = ReadString(ref reader, ref e, scratch, "type", out e.HasType); break;
                case Field.Value: ReadValue(ref reader, ref e, scratch); break;
                case Field.Timestamp: ReadTimestamp(ref reader, ref e, scratch); break;
                default: reader.Skip(); break;
            }
        }
    }

    private enum Field : byte { Unknown, EventId, Experiment, Variant, User, Type, Value, Timestamp }

    private static Field Identify(ref Utf8JsonReader reader)
    {
        var name = reader.ValueSpan;
        if (reader.ValueIsEscaped)
        {
            // Escaped property names are legal but rare; the known ones are short.
            if (name.Length > 64) return Field.Unknown;
            Span<byte> unescaped = stackalloc byte[64];
            return IdentifyName(unescaped[..reader.CopyString(unescaped)]);
        }
        return IdentifyName(name);
    }

    private static Field IdentifyName(ReadOnlySpan<byte> name) => name.Length switch
    {
        4 when name.SequenceEqual("user"u8) => Field.User,
        4 when name.SequenceEqual("type"u8) => Field.Type,
        5 when name.SequenceEqual("value"u8) => Field.Value,
        7 when name.SequenceEqual("eventId"u8) => Field.EventId,
        7 when name.SequenceEqual("variant"u8) => Field.Variant,
        9 when name.SequenceEqual("timestamp"u8) => Field.Timestamp,
        10 when name.SequenceEqual("experiment"u8) => Field.Experiment,
        _ => Field.Unknown,
    };

    private static ReadOnlySpan<byte> ReadString(scoped ref Utf8JsonReader reader, scoped ref RawEvent e, FieldScratch scratch, string name, out bool present)
    {
        present = false;
        if (reader.TokenType == JsonTokenType.Null) return default;
        if (reader.TokenType != JsonTokenType.String)
        {
            e.BadField ??= name;
            reader.Skip();
            return default;
        }
        if (TryUnescaped(ref reader, scratch, out var value))
        {
            present = true;
            return value;
        }
        e.BadField ??= name;
        return default;
    }

    private static bool TryUnescaped(scoped ref Utf8JsonReader reader, FieldScratch scratch, out ReadOnlySpan<byte> value)
    {
        if (!reader.ValueIsEscaped)
        {
            value = reader.ValueSpan;
            return true;
        }
        if (!scratch.TryTake(reader.ValueSpan.Length, out var space))
        {
            value = default;
            return false;
        }
        value = space[..reader.CopyString(space)];
        return true;
    }

    private static void ReadValue(scoped ref Utf8JsonReader reader, scoped ref RawEvent e, FieldScratch scratch)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                if (reader.TryGetDouble(out e.Value))
                {
                    e.ValueState = ValueState.Number;
                }
                else
                {
                    // A valid JSON number beyond double's range.
                    e.ValueState = ValueState.NonFinite;
                }
                break;
            case JsonTokenType.Null:
                e.ValueState = ValueState.Absent;
                break;
            case JsonTokenType.String:
                TryUnescaped(ref reader, scratch, out var text);
                e.ValueState = text.SequenceEqual("NaN"u8) || text.SequenceEqual("Infinity"u8) || text.SequenceEqual("-Infinity"u8) || text.SequenceEqual("+Infinity"u8)
                    ? ValueState.NonFinite
                    : ValueState.WrongType;
                break;
            default:
                e.ValueState = ValueState.WrongType;
                reader.Skip();
                break;
        }
    }

    private static void ReadTimestamp(scoped ref Utf8JsonReader reader, scoped ref RawEvent e, FieldScratch scratch)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                if (!reader.TryGetDateTimeOffset(out var instant) || !TryUnescaped(ref reader, scratch, out var text))
                {
                    e.TimestampState = TimestampState.Invalid;
                }
                else if (!HasOffset(text))
                {
                    // Without an offset the reader assumes the machine's zone: refuse rather than guess.
                    e.TimestampState = TimestampState.MissingOffset;
                }
                else
                {
                    e.TimestampState = TimestampState.Valid;
                    e.TimestampTicks = instant.UtcTicks;
                }
                break;
            case JsonTokenType.Number:
                // Unix epoch milliseconds.
                if (reader.TryGetInt64(out var ms) && ms >= MinUnixMilliseconds && ms <= MaxUnixMilliseconds)
                {
                    e.TimestampState = TimestampState.Valid;
                    e.TimestampTicks = UnixEpochTicks + ms * TimeSpan.TicksPerMillisecond;
                }
                else
                {
                    e.TimestampState = TimestampState.Invalid;
                }
                break;
            case JsonTokenType.Null:
                e.TimestampState = TimestampState.Absent;
                break;
            default:
                e.TimestampState = TimestampState.WrongType;
                reader.Skip();
                break;
        }
    }

    private static bool HasOffset(ReadOnlySpan<byte> text)
    {
        if (text.IsEmpty) return false;
        var last = text[^1];
        if (last is (byte)'Z' or (byte)'z') return true;
        return text.Length >= 6 && text[^6] is (byte)'+' or (byte)'-' && text[^3] == (byte)':';
    }
}
