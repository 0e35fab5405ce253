using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Serverless.Experiments.Assignment;

/// <summary>
/// Maps (experiment, user) to a point in [0, 1) that is the same on every machine and runtime:
/// SHA-256 over length-prefixed UTF-8 of both ids (so "ab"+"c" and "a"+"bc" differ), first 53 bits.
/// string.GetHashCode is randomised per process and must never be used here.
/// </summary>
public static class AssignmentHash
{
    public static double UnitInterval(string experimentId, string userId)
    {
        var experimentBytes = Encoding.UTF8.GetByteCount(experimentId);
        var userBytes = Encoding.UTF8.GetByteCount(userId);
        var length = 8 + experimentBytes + userBytes;
        byte[]? rented = null;
        var buffer = length <= 512 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length)).AsSpan(0, length);
        try
        {
            BinaryPrimitives.WriteInt32BigEndian(buffer, experimentBytes);
            Encoding.UTF8.GetBytes(experimentId, buffer[4..]);
            BinaryPrimitives.WriteInt32BigEndian(buffer[(4 + experimentBytes)..], userBytes);
            Encoding.UTF8.GetBytes(userId, buffer[(8 + experimentBytes)..]);
            Span<byte> digest = stackalloc byte[32];
            SHA256.HashData(buffer, digest);
            return (BinaryPrimitives.ReadUInt64BigEndian(digest) >> 11) * (1.0 / (1UL << 53));
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
