using System.Text.RegularExpressions;

namespace Serverless.Training.Validation;

/// <summary>Whether a placeholder names an input or an output.</summary>
public enum PlaceholderKind
{
    Inputs,
    Outputs,
}

/// <summary>A <c>${{inputs.NAME}}</c> or <c>${{outputs.NAME}}</c> reference found in a command or argument.</summary>
public readonly record struct Placeholder(PlaceholderKind Kind, string Name)
{
    public override string ToString() => $"${{{{{(Kind == PlaceholderKind.Inputs ? "inputs" : "outputs")}.{Name}}}}}";
}

/// <summary>Azure ML's command placeholders: finding them, checking them and replacing them.</summary>
public static partial class CommandTemplate
{
    [GeneratedRegex(@"\$\{\{\s*(?<kind>inputs|outputs)\.(?<name>[A-Za-z_][A-Za-z0-9_]*)\s*\}\}")]
    private static partial Regex PlaceholderPattern();

    [GeneratedRegex(@"\$\{\{[^}]*\}?\}?")]
    private static partial Regex AnyPlaceholderStart();

    /// <summary>The well-formed placeholders in <paramref name="text"/>, in order.</summary>
    public static IEnumerable<Placeholder> Find(string text)
    {
        foreach (Match match in PlaceholderPattern().Matches(text))
        {
            yield return ToPlaceholder(match);
        }
    }

    /// <summary>The first <c>${{...}}</c> that is not a well-formed input or output placeholder, or null.</summary>
    public static string? FindMalformed(string text)
    {
        var remainder = PlaceholderPattern().Replace(text, "");
        var bad = AnyPlaceholderStart().Match(remainder);
        return bad.Success ? bad.Value : null;
    }

    /// <summary>Replaces every placeholder with what <paramref name="resolve"/> gives for it.</summary>
    public static string Substitute(string text, Func<Placeholder, string> resolve) =>
        PlaceholderPattern().Replace(text, match => resolve(ToPlaceholder(match)));

    private static Placeholder ToPlaceholder(Match match) => new(
        match.Groups["kind"].Value == "inputs" ? PlaceholderKind.Inputs : PlaceholderKind.Outputs,
        match.Groups["name"].Value);
}
