namespace Serverless.Training.Contract;

/// <summary>One thing wrong with a spec or a setting, named by its field (for example <c>inputs.sales</c>).</summary>
public sealed record TrainingJobProblem(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}
