using System.Text;
using Serverless.Experiments.Events;

namespace Serverless.Experiments.Tests;

public class JsonLinesChunkerTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Chunks_hold_whole_lines_and_number_them(bool trailingNewline)
    {
        var lines = Enumerable.Range(1, 25).Select(i => $"{{\"n\":{i},\"pad\":\"{new string('x', i * 40_000 % 70_001)}\"}}").ToList();
        var text = string.Join("\n", lines) + (trailingNewline ? "\n" : "");
        var chunks = JsonLinesChunker.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), linesPerChunk: 10)
            .Select(c => (Text: Encoding.UTF8.GetString(c.Utf8.Span), c.FirstLineNumber, c.LineCount))
            .ToList();
        Assert.Equal([1, 11, 21], chunks.Select(c => c.FirstLineNumber));
        Assert.Equal([10, 10, 5], chunks.Select(c => c.LineCount));
        Assert.Equal(text, string.Concat(chunks.Select(c => c.Text)));
    }

    [Fact]
    public void An_empty_stream_has_no_chunks() =>
        Assert.Empty(JsonLinesChunker.Read(new MemoryStream(), 10));
}
