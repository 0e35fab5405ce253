namespace Serverless.Experiments.Events;

/// <summary>A run of whole lines from a JSONL stream; <see cref="FirstLineNumber"/> is 1-based in the stream.</summary>
public readonly record struct JsonLinesChunk(ReadOnlyMemory<byte> Utf8, int FirstLineNumber, int LineCount);

/// <summary>
/// Cuts a JSONL stream into chunks of whole lines for file replay. Chunk boundaries depend only on the content
/// and <c>linesPerChunk</c>, so replaying the same file gives the same chunks, hence the same batch identities,
/// and the aggregates see each chunk once.
/// </summary>
public static class JsonLinesChunker
{
    /// <summary>
    /// Reads <paramref name="stream"/> to the end. Each chunk's memory is reused for the next one: parse it before
    /// moving on (the parser copies what it keeps).
    /// </summary>
    public static IEnumerable<JsonLinesChunk> Read(Stream stream, int linesPerChunk = 10_000)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(linesPerChunk, 1);
        return ReadIterator(stream, linesPerChunk);
    }

    private static IEnumerable<JsonLinesChunk> ReadIterator(Stream stream, int linesPerChunk)
    {
        var buffer = new byte[1 << 20];
        var filled = 0;
        var scanned = 0;
        var lines = 0;
        var nextLine = 1;
        var endOfStream = false;
        while (true)
        {
            // Count whole lines from where the last scan stopped until the chunk is full or the data runs out.
            while (lines < linesPerChunk)
            {
                var newline = buffer.AsSpan(scanned, filled - scanned).IndexOf((byte)'\n');
                if (newline < 0) break;
                scanned += newline + 1;
                lines++;
            }

            if (lines == linesPerChunk || (endOfStream && filled > 0))
            {
                var length = lines == linesPerChunk ? scanned : filled;
                var count = lines == linesPerChunk ? lines : lines + (scanned < filled ? 1 : 0);
                yield return new JsonLinesChunk(buffer.AsMemory(0, length), nextLine, count);
                nextLine += count;
                Buffer.BlockCopy(buffer, length, buffer, 0, filled - length);
                filled -= length;
                scanned = 0;
                lines = 0;
                continue;
            }
            if (endOfStream) yield break;

            if (filled == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            var read = stream.Read(buffer, filled, buffer.Length - filled);
            if (read == 0) endOfStream = true;
            filled += read;
        }
    }
}
