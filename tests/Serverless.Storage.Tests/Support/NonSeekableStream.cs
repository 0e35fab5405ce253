namespace Serverless.Storage.Tests.Support;

/// <summary>A forward-only stream, like a network body, optionally failing after some bytes.</summary>
public sealed class NonSeekableStream(byte[] content, int? failAfterBytes = null) : Stream
{
    private int _position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (failAfterBytes is { } limit && _position >= limit)
        {
            throw new IOException("The source failed part-way.");
        }
        var n = Math.Min(Math.Min(count, content.Length - _position), 4096);
        Array.Copy(content, _position, buffer, offset, n);
        _position += n;
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
