using Serverless.Training.Validation;

namespace Serverless.Training.AzureMl;

/// <summary>
/// Builds the single command string Azure ML runs in bash from a program and its arguments,
/// quoting only what needs it so the command stays readable in Studio.
/// </summary>
internal static class ShellCommandLine
{
    public static string Join(string command, IEnumerable<string> arguments) =>
        string.Join(' ', arguments.Prepend(command).Select(Quote));

    public static string Quote(string argument)
    {
        if (argument.Length == 0) return "''";
        // Placeholders are replaced by Azure ML before bash sees the line, so they count as plain text.
        var withoutPlaceholders = CommandTemplate.Substitute(argument, _ => "x");
        if (withoutPlaceholders.All(IsPlain)) return argument;
        return "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    private static bool IsPlain(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '/' or ':' or '=' or ',' or '@' or '%' or '+';
}
