using System.Security.Cryptography;

namespace Serverless.Experiments.Events;

/// <summary>
/// SHA-256 over the normalised batch: each record trimmed and followed by '\n'. Records are copied into a block
/// buffer first because hashing many small pieces one call at a time costs more than the copy.
/// </summary>
internal sealed class ContentHasher : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _used;

    public void AppendRecord(ReadOnlySpan<byte> record)
    {
        if (_used + record.Length + 1 > _buffer.Length) Flush();
        if (record.Length + 1 > _buffer.Length)
        {
            _hash.AppendData(record);
            _hash.AppendData("\n"u8);
            return;
        }
        record.CopyTo(_buffer.AsSpan(_used));
        _used += record.Length;
        _buffer[_used++] = (byte)'\n';
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

    private void Flush()
    {
        if (_used == 0) return;
        _hash.AppendData(_buffer, 0, _used);
        _used = 0;
    }
}
