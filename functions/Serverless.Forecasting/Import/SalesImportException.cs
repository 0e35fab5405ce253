namespace Serverless.Forecasting.Import;

/// <summary>A whole file was rejected (empty, or its header is wrong). The message names the file and line.</summary>
public sealed class SalesImportException(string file, long line, string reason)
    : Exception($"{file}: line {line}: {reason}")
{
    public string File { get; } = file;

    public long Line { get; } = line;

    public string Reason { get; } = reason;
}
