namespace Serverless.Experiments.Definitions;

/// <summary>One problem in a definition, located by source (file name or "HTTP body"), line and JSON path.</summary>
public sealed record DefinitionError(string Source, int? Line, string Field, string? ExperimentId, string Message)
{
    public override string ToString() =>
        $"{Source}{(Line is null ? "" : $" line {Line}")}, field '{Field}'" +
        $"{(string.IsNullOrEmpty(ExperimentId) ? "" : $" (experiment '{ExperimentId}')")}: {Message}";
}

/// <summary>Thrown when definitions fail validation; lists every problem found, not just the first.</summary>
public sealed class ExperimentDefinitionException : Exception
{
    public ExperimentDefinitionException(IReadOnlyList<DefinitionError> errors)
        : base("Invalid experiment definition:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e)))
    {
        Errors = errors;
    }

    public IReadOnlyList<DefinitionError> Errors { get; }
}
