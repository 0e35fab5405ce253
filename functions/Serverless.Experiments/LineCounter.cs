namespace Serverless.Experiments;

/// <summary>Turns increasing byte offsets into 1-based line numbers without rescanning from the start.</summary>
internal ref struct LineCounter
{
    private readonly ReadOnlySpan<byte> _text;
    private long _offset;
    private int _line;

    public LineCounter(ReadOnlySpan<byte> text)
    {
        _text = text;
        _offset = 0;
        _line = 1;
    }

    public int LineAt(long offset)
    {
        if (offset < _offset)
        {
            _offset = 0;
            _line = 1;
        }
        var end = (int)Math.Min(offset, _text.Length);
        _line += _text[(int)_offset..end].Count((byte)'\n');
        _offset = end;
        return _line;
    }
}
