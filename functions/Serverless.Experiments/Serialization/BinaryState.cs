using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Serverless.Experiments.Serialization;

/// <summary>Little-endian primitives and length-prefixed UTF-8 strings into a buffer: the binary forms the host stores.</summary>
internal readonly ref struct BinaryStateWriter(IBufferWriter<byte> buffer)
{
    private readonly IBufferWriter<byte> _buffer = buffer;

    public void Bytes(ReadOnlySpan<byte> value) => _buffer.Write(value);

    public void Byte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    public void UInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.GetSpan(2), value);
        _buffer.Advance(2);
    }

    public void Int32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    public void UInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    public void Int64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void String(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        if (length > ushort.MaxValue) throw new ArgumentException($"a string of {length} bytes is too long to store", nameof(value));
        UInt16((ushort)length);
        Encoding.UTF8.GetBytes(value, _buffer.GetSpan(length));
        _buffer.Advance(length);
    }
}

/// <summary>Reads what <see cref="BinaryStateWriter"/> wrote; a short or damaged input is an <see cref="InvalidDataException"/> naming the source.</summary>
internal ref struct BinaryStateReader(ReadOnlySpan<byte> bytes, string sourceName)
{
    private readonly ReadOnlySpan<byte> _bytes = bytes;
    private readonly string _source = sourceName;
    private int _position;

    public ReadOnlySpan<byte> Bytes(int length)
    {
        if (length < 0 || _position + length > _bytes.Length) throw new InvalidDataException($"{_source}: truncated at byte {_position} (wanted {length} more)");
        var slice = _bytes.Slice(_position, length);
        _position += length;
        return slice;
    }

    public byte Byte() => Bytes(1)[0];

    public ushort UInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2));

    public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Bytes(4));

    public uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4));

    public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Bytes(8));

    public string String() => Encoding.UTF8.GetString(Bytes(UInt16()));

    public readonly void EnsureEnd()
    {
        if (_position != _bytes.Length) throw new InvalidDataException($"{_source}: {_bytes.Length - _position} unexpected bytes after the end");
    }
}
