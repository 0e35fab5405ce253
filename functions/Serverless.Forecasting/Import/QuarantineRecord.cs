namespace Serverless.Forecasting.Import;

/// <summary>A rejected row: where it was, which field was wrong, why, and the raw text.</summary>
public sealed record QuarantineRecord(string File, long Line, string Field, string Reason, string RawText)
{
    /// <summary>One line for a person: <c>sales.csv: line 3: field 'date': reason</c>.</summary>
    public string Message => $"{File}: line {Line}: field '{Field}': {Reason}";
}
