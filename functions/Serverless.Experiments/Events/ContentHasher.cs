using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Serverless.Experiments.Events;

/// <summary>
/// SHA-256 over the normalised batch. A record that reads as an event object (every known field of the right JSON type)
/// contributes its fields in a fixed order, length-prefixed and decoded: unescaped strings, the value's double, the
/// timestamp's UTC ticks. So whitespace, property order, escapes, number spelling, unknown properties and array-versus-lines
/// framing do not change the identity, and neither does the catalog (validity against it plays no part). Any other
/// record contributes its trimmed raw bytes. The decoded form is also well under half the raw size, which matters:
/// hashing is a visible share of the per-event cost.
/// </summary>
internal sealed class ContentHasher : IDisposable
{
    private const byte FieldsMarker = 1;
    private const byte RawMarker = 2;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _used;

    /// <summary>Whether a read record is hashed by its fields (else by its raw bytes).</summary>
    public static bool UsesFields(in RawEvent e) => e.BadField is null;

    public void AppendFields(in RawEvent e)
    {
        // Five ids of at most 256 bytes each (longer ones cannot be read into RawEvent), plus fixed parts.
        const int worstCase = 1 + 5 * (3 + 256) + 2 * 9;
        if (_used + worstCase > _buffer.Length) Flush();
        _buffer[_used++] = FieldsMarker;
        AppendString(e.HasEventId, e.EventId);
        AppendString(e.HasExperiment, e.Experiment);
        AppendString(e.HasVariant, e.Variant);
        AppendString(e.HasUser, e.User);
        AppendString(e.HasType, e.Type);
        _buffer[_used++] = (byte)e.ValueState;
        if (e.ValueState == ValueState.Number)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(_buffer.AsSpan(_used), e.Value);
            _used += 8;
        }
        _buffer[_used++] = (byte)e.TimestampState;
        if (e.TimestampState == TimestampState.Valid)
        {
            BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(_used), e.TimestampTicks);
            _used += 8;
        }
    }

    public void AppendRaw(ReadOnlySpan<byte> record)
    {
        Span<byte> header = stackalloc byte[5];
        header[0] = RawMarker;
        BinaryPrimitives.WriteInt32LittleEndian(header[1..], record.Length);
        Append(header);
        Append(record);
    }

    /// <summary>Returns the lower-case hex digest and starts over.</summary>
    public string Finish()
    {
        Flush();
        Span<byte> digest = stackalloc byte[32];
        _hash.GetHashAndReset(digest);
        return Convert.ToHexStringLower(digest);
    }

    public void Dispose() => _hash.Dispose();

    private void AppendString(bool present, ReadOnlySpan<byte> value)
    {
        // One length byte (length + 1; 0 marks an absent field, distinct from an empty string), or 255 and two bytes.
        if (!present) _buffer[_used++] = 0;
        else if (value.Length < byte.MaxValue - 1) _buffer[_used++] = (byte)(value.Length + 1);
        else
        {
            _buffer[_used++] = byte.MaxValue;
            BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(_used), (ushort)value.Length);
            _used += 2;
        }
        value.CopyTo(_buffer.AsSpan(_used));
        _used += value.Length;
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (_used + bytes.Length > _buffer.Length) Flush();
        if (bytes.Length > _buffer.Length)
        {
            _hash.AppendData(bytes);
            return;
        }
        bytes.CopyTo(_buffer.AsSpan(_used));
        _used += bytes.Length;
    }

    private void Flush()
    {
        if (_used == 0) return;
        _hash.AppendData(_buffer, 0, _used);
        _used = 0;
    }
}
